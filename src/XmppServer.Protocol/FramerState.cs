namespace XmppServer.Protocol;

/// <summary>Where the framer of <see cref="XmppStreamParser"/> stands between two bytes.</summary>
internal enum FramerState : byte
{
    /// <summary>Nothing of the stream yet: a byte order mark, the XML declaration, white space or the header may follow.</summary>
    StreamStart,

    /// <summary>Inside the UTF-8 byte order mark.</summary>
    ByteOrderMark,

    /// <summary>After white space or the XML declaration, before the stream header.</summary>
    Prolog,

    /// <summary>Between top-level elements: white space keepalives only.</summary>
    BetweenElements,

    /// <summary>Just after '&lt;'.</summary>
    TagOpen,

    /// <summary>Inside the name of a start tag.</summary>
    StartTagName,

    /// <summary>Inside a start tag, outside attribute values.</summary>
    StartTag,

    /// <summary>Inside a quoted attribute value.</summary>
    AttributeValue,

    /// <summary>After '/' in a start tag; '&gt;' must follow.</summary>
    StartTagSlash,

    /// <summary>Inside the name of an end tag.</summary>
    EndTagName,

    /// <summary>After the name of an end tag: white space, then '&gt;'.</summary>
    EndTag,

    /// <summary>Character data inside an element.</summary>
    Text,

    /// <summary>After "&lt;!".</summary>
    MarkupDeclaration,

    /// <summary>Matching "CDATA[" after "&lt;![".</summary>
    CDataOpen,

    /// <summary>Inside a CDATA section, looking for "]]&gt;".</summary>
    CData,

    /// <summary>After "&lt;?" at the very start: matching the "xml" target of the XML declaration.</summary>
    DeclarationTarget,

    /// <summary>Inside the XML declaration, looking for "?&gt;".</summary>
    Declaration,

    /// <summary>After '?' inside the XML declaration.</summary>
    DeclarationQuestion,
}
