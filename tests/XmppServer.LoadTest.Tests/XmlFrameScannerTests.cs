using System.Buffers;
using System.Text;
using XmppServer.LoadTest.Xml;

namespace XmppServer.LoadTest.Tests;

public class XmlFrameScannerTests
{
    private const string Stream =
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='localhost' id='a>b' version='1.0'>"
        + "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>"
        + " \n "
        + "<message to=\"u@h\" id='x/>y'><body>a &lt; b &amp; c &gt; d</body></message>"
        + "<iq type='get' id='p1'/>"
        + "</stream:stream>";

    private static readonly (XmlFrameKind Kind, string Text)[] Expected =
    [
        (XmlFrameKind.StreamStart, "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='localhost' id='a>b' version='1.0'>"),
        (XmlFrameKind.Element, "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>"),
        (XmlFrameKind.Element, "<message to=\"u@h\" id='x/>y'><body>a &lt; b &amp; c &gt; d</body></message>"),
        (XmlFrameKind.Element, "<iq type='get' id='p1'/>"),
        (XmlFrameKind.StreamEnd, "</stream:stream>"),
    ];

    [Fact]
    public void TryRead_WholeStream_YieldsHeaderElementsAndEnd()
    {
        var frames = ReadAll(Encoding.UTF8.GetBytes(Stream), [Stream.Length]);

        Assert.Equal(Expected, frames);
    }

    [Fact]
    public void TryRead_SplitAtEveryOffset_YieldsTheSameFrames()
    {
        var bytes = Encoding.UTF8.GetBytes(Stream);
        for (var split = 1; split < bytes.Length; split++)
        {
            Assert.Equal(Expected, ReadAll(bytes, [split, bytes.Length - split]));
        }
    }

    [Fact]
    public void TryRead_OneByteAtATime_YieldsTheSameFrames()
    {
        var bytes = Encoding.UTF8.GetBytes(Stream);

        Assert.Equal(Expected, ReadAll(bytes, Enumerable.Repeat(1, bytes.Length).ToArray()));
    }

    [Fact]
    public void TryRead_MultiSegmentSequence_YieldsTheSameFrames()
    {
        var bytes = Encoding.UTF8.GetBytes(Stream);
        var parts = bytes.Chunk(7).ToArray();
        var buffer = TestSegment.Sequence(parts);
        var scanner = new XmlFrameScanner();
        var frames = new List<(XmlFrameKind, string)>();
        while (scanner.TryRead(buffer, out var kind, out var frame, out var consumed))
        {
            frames.Add((kind, Encoding.UTF8.GetString(frame.ToArray())));
            buffer = buffer.Slice(consumed);
        }

        Assert.Equal(Expected, frames);
    }

    [Fact]
    public void TryRead_IncompleteFrame_ConsumesNothingOfIt()
    {
        var scanner = new XmlFrameScanner();
        var header = "<stream:stream xmlns='jabber:client'>"u8.ToArray();
        Assert.True(scanner.TryRead(new ReadOnlySequence<byte>(header), out _, out _, out _));

        var partial = new ReadOnlySequence<byte>("  <message><body>hel"u8.ToArray());
        Assert.False(scanner.TryRead(partial, out _, out _, out var consumed));

        // The whitespace before the frame may go; the frame itself stays.
        Assert.Equal(2, partial.Slice(0, consumed).Length);
    }

    [Fact]
    public void TryRead_OnlyWhitespaceBetweenFrames_ReleasesIt()
    {
        var scanner = new XmlFrameScanner();
        Assert.True(scanner.TryRead(new ReadOnlySequence<byte>("<stream:stream>"u8.ToArray()), out _, out _, out _));

        var keepalive = new ReadOnlySequence<byte>("   "u8.ToArray());
        Assert.False(scanner.TryRead(keepalive, out _, out _, out var consumed));
        Assert.Equal(keepalive.End, consumed);
    }

    [Fact]
    public void Reset_AfterProceed_ExpectsANewHeader()
    {
        var scanner = new XmlFrameScanner();
        Assert.True(scanner.TryRead(new ReadOnlySequence<byte>("<stream:stream>"u8.ToArray()), out _, out _, out _));
        scanner.Reset();

        Assert.True(scanner.TryRead(new ReadOnlySequence<byte>("<?xml version='1.0'?><stream:stream id='2'>"u8.ToArray()), out var kind, out _, out _));
        Assert.Equal(XmlFrameKind.StreamStart, kind);
    }

    [Fact]
    public void TryRead_Comment_Throws()
    {
        var scanner = new XmlFrameScanner();
        Assert.True(scanner.TryRead(new ReadOnlySequence<byte>("<stream:stream>"u8.ToArray()), out _, out _, out _));

        Assert.Throws<InvalidDataException>(() => scanner.TryRead(new ReadOnlySequence<byte>("<!-- hi -->"u8.ToArray()), out _, out _, out _));
    }

    /// <summary>Feeds the bytes in chunks of the given sizes, as a pipe reader would: unconsumed bytes stay and the
    /// next chunk is appended to them.</summary>
    private static List<(XmlFrameKind Kind, string Text)> ReadAll(byte[] bytes, int[] chunks)
    {
        var scanner = new XmlFrameScanner();
        var frames = new List<(XmlFrameKind, string)>();
        var start = 0;
        var available = 0;
        foreach (var chunk in chunks)
        {
            available += chunk;
            while (true)
            {
                var buffer = new ReadOnlySequence<byte>(bytes, start, available - start);
                var found = scanner.TryRead(buffer, out var kind, out var frame, out var consumed);
                start += (int)buffer.Slice(0, consumed).Length;
                if (!found)
                {
                    break;
                }

                frames.Add((kind, Encoding.UTF8.GetString(frame.ToArray())));
            }
        }

        Assert.Equal(bytes.Length, start);
        return frames;
    }
}
