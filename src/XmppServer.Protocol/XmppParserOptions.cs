namespace XmppServer.Protocol;

/// <summary>Limits the parser enforces; each one exceeded ends the stream with policy-violation.</summary>
public sealed class XmppParserOptions
{
    /// <summary>Largest top-level element once authenticated (Prosody's c2s default is 256 KiB too).</summary>
    public int MaxStanzaBytes { get; set; } = 256 * 1024;

    /// <summary>Largest top-level element and stream header before authentication: SASL and STARTTLS are tiny.</summary>
    public int MaxStanzaBytesBeforeAuthentication { get; set; } = 16 * 1024;

    /// <summary>Deepest element nesting inside a stanza (the stanza itself is depth 1).</summary>
    public int MaxDepth { get; set; } = 32;

    /// <summary>Most attributes (namespace declarations included) on one element.</summary>
    public int MaxAttributes { get; set; } = 64;

    /// <summary>Longest element or attribute name, prefix included, in bytes.</summary>
    public int MaxNameBytes { get; set; } = 256;

    /// <summary>
    /// Longest attribute value, in characters once references are resolved. XMPP's attribute values are addresses
    /// (a JID is at most 3071 bytes, RFC 7622 §3.1), ids, languages and the odd URL: 32 Ki leaves room for all of them.
    /// </summary>
    public int MaxAttributeValueLength { get; set; } = 32 * 1024;

    /// <summary>
    /// Longest run of character data in one element, in characters once references and CDATA sections are resolved.
    /// Half the stanza limit: a long pasted message or a base64 avatar (XEP-0153 asks for under 8 KiB) fits many times.
    /// </summary>
    public int MaxTextLength { get; set; } = 128 * 1024;

    /// <summary>
    /// Most namespace declarations on one element. Real streams use one to three (the stream header: the default and
    /// the stream prefix); the bound keeps the bindings in scope, and so each prefix lookup, small.
    /// </summary>
    public int MaxNamespaceDeclarations { get; set; } = 16;
}
