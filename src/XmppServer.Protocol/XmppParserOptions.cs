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
}
