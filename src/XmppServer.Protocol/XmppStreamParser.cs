using System.Buffers;

namespace XmppServer.Protocol;

/// <summary>
/// Incremental parser for one XMPP stream (RFC 6120 §4, §11). Feed it the unconsumed part of the input each time new
/// bytes arrive; it returns one event at a time.
/// </summary>
/// <remarks>
/// Contract (the connection's read loop relies on it):
/// <list type="bullet">
/// <item><description><see cref="TryParse"/> is given the buffer starting exactly at the position it last reported
/// as consumed. When it returns false the event is incomplete: nothing is consumed, and the caller advances with
/// examined = buffer end. The parser remembers how far it scanned, so bytes are never scanned twice for framing.</description></item>
/// <item><description>Whitespace between top-level elements (keepalives, RFC 6120 §4.6.1) is consumed silently.</description></item>
/// <item><description>A violation throws <see cref="XmppStreamException"/> with the stream error condition:
/// restricted-xml (comments, PIs other than the leading XML declaration, DTDs, entity references other than the five
/// predefined ones, RFC 6120 §11.1), not-well-formed (ill-formed XML, invalid UTF-8, characters not allowed by XML 1.0:
/// RFC 6120 §4.9.3.13), bad-namespace-prefix (an element or attribute prefix with no namespace declaration in scope,
/// RFC 6120 §4.9.3.2), policy-violation (RFC 6120 §4.9.3.14: a limit of <see cref="XmppParserOptions"/>; the size of an element counts
/// from its '&lt;', the stream header's from the first byte of the stream (byte order mark and XML declaration
/// included), and white space between stanzas is bounded by <see cref="MaxStanzaBytes"/> too, since it stays
/// buffered until the next element),
/// unsupported-encoding (an XML declaration naming another encoding than UTF-8, RFC 6120 §11.6).</description></item>
/// <item><description>After an exception the parser is dead: <see cref="TryParse"/> throws
/// <see cref="InvalidOperationException"/> until <see cref="Reset"/>.</description></item>
/// </list>
/// </remarks>
public sealed partial class XmppStreamParser
{
    /// <summary>The limits in force; the connection lowers <see cref="XmppParserOptions.MaxStanzaBytes"/> until authentication.</summary>
    public XmppParserOptions Options { get; }

    /// <summary>Maximum size of one top-level element, in bytes; changed by the connection after authentication.</summary>
    public int MaxStanzaBytes { get; set; }

    /// <summary>The default namespace declared on the stream header (jabber:client or jabber:server), once seen.</summary>
    public string? ContentNamespace { get; private set; }

    /// <summary>The xml:lang of the stream header, once seen; top-level elements without one inherit it.</summary>
    public string? StreamLanguage { get; private set; }
}
