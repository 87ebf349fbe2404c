using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace XmppServer.Protocol.Tests.Testing;

/// <summary>Drives <see cref="XmppStreamParser"/> the way the connection's read loop does.</summary>
internal static class ParserHarness
{
    public const string Header =
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' " +
        "to='example.com' version='1.0' xml:lang='en'>";

    /// <summary>Options whose size limits are all <paramref name="maxStanzaBytes"/>: a test sets the one it is about.</summary>
    public static XmppParserOptions Options(int maxStanzaBytes = 256 * 1024) => new()
    {
        MaxStanzaBytes = maxStanzaBytes,
        MaxStanzaBytesBeforeAuthentication = maxStanzaBytes,
        MaxAttributeValueLength = maxStanzaBytes,
        MaxTextLength = maxStanzaBytes,
    };

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Parses everything in one buffer, as one read.</summary>
    public static List<XmppStreamEvent> ParseWhole(string input, XmppParserOptions? options = null)
        => ParseSequence(new ReadOnlySequence<byte>(Utf8(input)), new XmppStreamParser(options ?? Options()));

    /// <summary>Parses one buffer with the read loop; the unconsumed rest must be white space.</summary>
    public static List<XmppStreamEvent> ParseSequence(ReadOnlySequence<byte> buffer, XmppStreamParser parser)
    {
        var events = new List<XmppStreamEvent>();
        while (parser.TryParse(buffer, out var consumed, out var streamEvent))
        {
            events.Add(streamEvent);
            buffer = buffer.Slice(consumed);
        }

        return events;
    }

    /// <summary>Parses the first element (after the header when <paramref name="input"/> lacks one).</summary>
    public static XmppElement ParseStanza(string stanza, XmppParserOptions? options = null)
    {
        var events = ParseWhole(Header + stanza, options);
        Assert.Equal(2, events.Count);
        Assert.Equal(XmppStreamEventKind.Element, events[1].Kind);
        return events[1].Element!;
    }

    /// <summary>Feeds <paramref name="reads"/> one after another through a pipe and the consumed/examined loop.</summary>
    public static async Task<List<XmppStreamEvent>> ParseReadsAsync(XmppStreamParser parser, IEnumerable<ReadOnlyMemory<byte>> reads)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
        var events = new List<XmppStreamEvent>();
        foreach (var read in reads)
        {
            if (read.IsEmpty)
            {
                continue;
            }

            await pipe.Writer.WriteAsync(read);
            Assert.True(pipe.Reader.TryRead(out var result));
            var buffer = result.Buffer;
            var consumed = buffer.Start;
            try
            {
                while (parser.TryParse(buffer.Slice(consumed), out var end, out var streamEvent))
                {
                    consumed = end;
                    events.Add(streamEvent);
                }
            }
            finally
            {
                pipe.Reader.AdvanceTo(consumed, buffer.End);
            }
        }

        return events;
    }

    public static IEnumerable<ReadOnlyMemory<byte>> OneByteAtATime(byte[] data)
    {
        for (var i = 0; i < data.Length; i++)
        {
            yield return data.AsMemory(i, 1);
        }
    }

    public static XmppStreamException ParseError(string input, XmppParserOptions? options = null)
        => Assert.Throws<XmppStreamException>(() => ParseWhole(input, options));

    public static void AssertSameEvents(IReadOnlyList<XmppStreamEvent> expected, IReadOnlyList<XmppStreamEvent> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Kind, actual[i].Kind);
            if (expected[i].Element is { } element)
            {
                Assert.NotNull(actual[i].Element);
                Assert.True(element.DeepEquals(actual[i].Element!), $"event {i}: expected {element} but got {actual[i].Element}");
            }
            else
            {
                Assert.Null(actual[i].Element);
            }
        }
    }
}
