using System.Buffers;
using System.Text;
using XmppServer.Protocol;

namespace XmppServer.Benchmarks;

/// <summary>The stanzas the parser and writer benchmarks process, by name.</summary>
internal static class BenchmarkStanzas
{
    public const string Header =
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' " +
        "to='example.com' version='1.0' xml:lang='en'>";

    // A typical chat message: body, chat state, receipt request, origin id (~300 bytes).
    public const string Message =
        "<message to='romeo@example.net' from='juliet@example.com/balcony' type='chat' id='5a1b8c3e-0d6f'>" +
        "<body>Wherefore art thou, Romeo? Deny thy father &amp; refuse thy name.</body>" +
        "<active xmlns='http://jabber.org/protocol/chatstates'/><request xmlns='urn:xmpp:receipts'/>" +
        "<origin-id xmlns='urn:xmpp:sid:0' id='5a1b8c3e-0d6f'/></message>";

    public const string PresenceWithCaps =
        "<presence from='juliet@example.com/balcony' id='pres1'><show>away</show><status>Out on the balcony</status>" +
        "<priority>5</priority><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://gajim.org' " +
        "ver='QgayPKawpkPSDYmwT/WM94uAlu0='/><x xmlns='vcard-temp:x:update'><photo>8fd5c4b6b1f0ebd7c0f1e6e0b1a1d4f4c9a7e2a1</photo></x>" +
        "<delay xmlns='urn:xmpp:delay' from='example.com' stamp='2024-05-01T10:00:00Z'/></presence>";

    public static readonly string Roster50 =
        "<iq to='juliet@example.com/balcony' type='result' id='roster1'><query xmlns='jabber:iq:roster' ver='ver42'>" +
        string.Concat(Enumerable.Range(0, 50).Select(i =>
            $"<item jid='contact{i}@example.net' name='Contact Number {i}' subscription='both'><group>Friends</group></item>")) +
        "</query></iq>";

    public static readonly string Message16K =
        "<message to='romeo@example.net' from='juliet@example.com/balcony' type='chat' id='big1'><body>" +
        string.Concat(Enumerable.Repeat("O Romeo, Romeo! wherefore art thou Romeo? Deny thy father and refuse thy name; ", 208)) +
        "</body><active xmlns='http://jabber.org/protocol/chatstates'/></message>";

    public static IEnumerable<string> Names => ["Message", "PresenceWithCaps", "Roster50", "Message16K"];

    public static string Get(string name) => name switch
    {
        "Message" => Message,
        "PresenceWithCaps" => PresenceWithCaps,
        "Roster50" => Roster50,
        "Message16K" => Message16K,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    public static int ByteCount(string name) => Encoding.UTF8.GetByteCount(Get(name));

    /// <summary>Parses the named stanza in a jabber:client stream.</summary>
    public static XmppElement Parse(string name) => ParseXml(Get(name));

    /// <summary>Parses one stanza, given as XML, in a jabber:client stream: the element a connection hands the router.</summary>
    public static XmppElement ParseXml(string stanza)
    {
        var parser = new XmppStreamParser(new XmppParserOptions { MaxStanzaBytesBeforeAuthentication = 1 << 20 });
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(Header + stanza));
        XmppElement? element = null;
        while (parser.TryParse(buffer, out var consumed, out var streamEvent))
        {
            buffer = buffer.Slice(consumed);
            element = streamEvent.Element;
        }

        return element ?? throw new InvalidOperationException("No stanza parsed.");
    }

    /// <summary>The size of the named stanza as the writer emits it.</summary>
    public static int WrittenByteCount(string name)
    {
        var output = new ArrayBufferWriter<byte>();
        XmppWriter.WriteElement(output, Parse(name), Namespaces.Client);
        return output.WrittenCount;
    }
}
