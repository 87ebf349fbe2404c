namespace XmppServer.Protocol;

public enum XmppStreamEventKind
{
    /// <summary>The opening stream header; <see cref="XmppStreamEvent.Element"/> holds its name, namespace and attributes.</summary>
    StreamStart,

    /// <summary>A complete top-level element (a stanza or a negotiation element).</summary>
    Element,

    /// <summary>The closing stream tag.</summary>
    StreamEnd,
}

/// <summary>One event from <see cref="XmppStreamParser"/>.</summary>
public readonly record struct XmppStreamEvent(XmppStreamEventKind Kind, XmppElement? Element);
