using System.Buffers;
using System.Text;
using XmppServer.Protocol;

namespace XmppServer.Storage.Sqlite.Offline;

/// <summary>
/// Stanzas as stored text: the writer's standalone serialisation (every namespace declared) on the way in, and the
/// stream parser on the way out, so stored XML is read with the same rules as XML from the network.
/// </summary>
internal static class OfflineStanzaSerializer
{
    // A stored stanza is parsed as the content of a client stream whose header declares what it relies on.
    private static readonly byte[] StreamHeader =
        "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"u8.ToArray();

    private static readonly XmppParserOptions StoredLimits = new()
    {
        MaxAttributes = int.MaxValue,
        MaxNameBytes = 64 * 1024,
        MaxNamespaceDeclarations = int.MaxValue,
        MaxAttributeValueLength = int.MaxValue,
        MaxTextLength = int.MaxValue,
    };

    public static string Serialize(XmppElement stanza)
    {
        ArgumentNullException.ThrowIfNull(stanza);
        return stanza.ToString();
    }

    /// <summary>The stanza, or null when the text is not one well-formed element.</summary>
    public static XmppElement? Deserialize(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        var bytes = new byte[StreamHeader.Length + Encoding.UTF8.GetByteCount(xml)];
        StreamHeader.CopyTo(bytes, 0);
        Encoding.UTF8.GetBytes(xml, bytes.AsSpan(StreamHeader.Length));

        // Stored messages were accepted under the stanza limits already; the limits here only have to fit them. The
        // writer's standalone form may differ from what the sender wrote: a declaration and a new prefix for each
        // attribute in a foreign namespace, and text escaped rather than in CDATA sections.
        var parser = new XmppStreamParser(StoredLimits) { MaxStanzaBytes = bytes.Length };
        var buffer = new ReadOnlySequence<byte>(bytes);
        try
        {
            while (parser.TryParse(buffer, out var consumed, out var streamEvent))
            {
                if (streamEvent.Kind == XmppStreamEventKind.Element)
                {
                    return streamEvent.Element;
                }

                buffer = buffer.Slice(consumed);
            }
        }
        catch (XmppStreamException)
        {
            // Ill-formed text cannot be delivered; the caller skips it.
        }

        return null;
    }
}
