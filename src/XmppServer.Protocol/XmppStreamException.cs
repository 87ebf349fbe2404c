namespace XmppServer.Protocol;

/// <summary>
/// A condition that ends the stream (RFC 6120 §4.9). Thrown by the parser and by negotiation; the connection turns it
/// into a <c>&lt;stream:error/&gt;</c> and closes. The text is sent to the peer, so it never holds internal details.
/// </summary>
public sealed class XmppStreamException : Exception
{
    public XmppStreamException()
        : this(StreamErrorCondition.UndefinedCondition, null)
    {
    }

    public XmppStreamException(string message)
        : this(StreamErrorCondition.UndefinedCondition, message)
    {
    }

    public XmppStreamException(string message, Exception innerException)
        : base(message, innerException)
    {
        Condition = StreamErrorCondition.UndefinedCondition;
    }

    public XmppStreamException(StreamErrorCondition condition, string? text = null)
        : base(text ?? XmppErrors.ToElementName(condition))
    {
        Condition = condition;
        Text = text;
    }

    public StreamErrorCondition Condition { get; }

    /// <summary>Human-readable text for the peer, or null.</summary>
    public string? Text { get; }
}
