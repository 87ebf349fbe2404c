using System.Buffers;
using System.Text;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Testing;

/// <summary>Parses XML written in a test into an element, with the server's own parser inside a client stream.</summary>
internal static class Xml
{
    private const string Header = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";

    public static XmppElement Parse(string xml)
    {
        var parser = new XmppStreamParser(new XmppParserOptions());
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(Header + xml));
        while (parser.TryParse(buffer, out var consumed, out var streamEvent))
        {
            if (streamEvent.Kind == XmppStreamEventKind.Element)
            {
                return streamEvent.Element!;
            }

            buffer = buffer.Slice(consumed);
        }

        throw new ArgumentException("Not one complete element: " + xml, nameof(xml));
    }
}
