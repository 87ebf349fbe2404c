namespace XmppServer.LoadTest.Xml;

internal enum XmlFrameKind
{
    /// <summary>The opening &lt;stream:stream ...&gt; tag (start tag only).</summary>
    StreamStart,

    /// <summary>A complete top-level element (stanza or nonza).</summary>
    Element,

    /// <summary>The closing &lt;/stream:stream&gt; tag.</summary>
    StreamEnd,
}
