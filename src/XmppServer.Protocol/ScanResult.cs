namespace XmppServer.Protocol;

/// <summary>Why the framer of <see cref="XmppStreamParser"/> stopped scanning a span.</summary>
internal enum ScanResult : byte
{
    /// <summary>The span is exhausted; the pending event needs more bytes.</summary>
    NeedMore,

    /// <summary>A top-level element began: the size limit now counts from its '&lt;'.</summary>
    ElementStarted,

    /// <summary>The XML declaration is complete and can be checked.</summary>
    DeclarationComplete,

    /// <summary>The stream header's start tag is complete.</summary>
    HeaderComplete,

    /// <summary>A top-level element is complete.</summary>
    ElementComplete,

    /// <summary>The closing stream tag is complete.</summary>
    StreamEndComplete,
}
