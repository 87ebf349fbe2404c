using System.Buffers;
using XmppServer.Protocol.Tests.Testing;

namespace XmppServer.Protocol.Tests;

public class XmppStreamParserFixtureTests
{
    public static TheoryData<string> Fixtures => ClientTraffic.Names;

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Parser_FixtureFedWhole_YieldsHeaderStanzasAndEnd(string fixture)
    {
        var events = ParserHarness.ParseWhole(ClientTraffic.Get(fixture));

        Assert.Equal(XmppStreamEventKind.StreamStart, events[0].Kind);
        Assert.Equal("stream", events[0].Element!.Name);
        Assert.Equal(Namespaces.Streams, events[0].Element!.Namespace);
        Assert.All(events.Skip(1).SkipLast(1), e => Assert.Equal(XmppStreamEventKind.Element, e.Kind));
        Assert.True(events.Count >= 2);
    }

    [Fact]
    public void Parser_GajimSession_BuildsExpectedTrees()
    {
        var events = ParserHarness.ParseWhole(ClientTraffic.GajimSession);

        Assert.Equal(
            [XmppStreamEventKind.StreamStart, XmppStreamEventKind.Element, XmppStreamEventKind.Element, XmppStreamEventKind.Element,
             XmppStreamEventKind.Element, XmppStreamEventKind.Element, XmppStreamEventKind.StreamEnd],
            events.Select(e => e.Kind));

        var bind = events[1].Element!;
        Assert.True(bind.Is("iq", Namespaces.Client));
        Assert.Equal("gajim.X5KQ2Z7B", bind.Element("bind", Namespaces.Bind)!.ElementText("resource", Namespaces.Bind));
        Assert.Equal("en", bind.Lang);

        var presence = events[3].Element!;
        var caps = presence.Element("c", Namespaces.Caps)!;
        Assert.Equal("QgayPKawpkPSDYmwT/WM94uAlu0=", caps.GetAttribute("ver"));

        var message = events[4].Element!;
        Assert.Equal("Wherefore art thou, *Romeo*? Denk & fühl — 日本語 😀 <3", message.ElementText("body", Namespaces.Client));
        var html = message.Element("html", "http://jabber.org/protocol/xhtml-im")!;
        var body = html.Element("body", "http://www.w3.org/1999/xhtml")!;
        var paragraphs = body.Elements("p", "http://www.w3.org/1999/xhtml").ToList();
        Assert.Equal(2, paragraphs.Count);
        Assert.Equal("font-weight: bold", paragraphs[0].GetAttribute("style"));
        Assert.Equal("Wherefore art thou, ", ((XmppText)paragraphs[0].Nodes[0]).Value);
        Assert.Equal("Romeo", paragraphs[0].ElementText("strong", "http://www.w3.org/1999/xhtml"));
        Assert.IsType<XmppText>(body.Nodes[1]); // the newline between the paragraphs is kept
        Assert.NotNull(message.Element("active", "http://jabber.org/protocol/chatstates"));
        Assert.NotNull(message.Element("request", "urn:xmpp:receipts"));
    }

    [Fact]
    public void Parser_PidginAuth_ResolvesPrefixedAttributeDeclaredOnSameElement()
    {
        var events = ParserHarness.ParseWhole(ClientTraffic.PidginSasl);

        var auth = events[1].Element!;
        Assert.True(auth.Is("auth", Namespaces.Sasl));
        Assert.Equal("true", auth.GetAttribute("client-uses-full-bind-result", "http://www.google.com/talk/protocol/auth"));
        Assert.Equal("PLAIN", auth.GetAttribute("mechanism"));
        Assert.Equal(2, auth.Attributes.Count); // xmlns declarations are not attributes
        Assert.Equal("AGp1bGlldAByMG0zMG15cjBtMzA=", auth.Text);
        Assert.Null(auth.Lang); // the stream has no xml:lang
    }

    [Fact]
    public void Parser_ConversationsSession_DecodesReferencesCrLfAndCData()
    {
        var events = ParserHarness.ParseWhole(ClientTraffic.ConversationsSession);

        var message = events[6].Element!;
        Assert.Equal("en", message.Lang);
        Assert.Equal("Line one\nline two 🌹 été \"quoted\" 'single'", message.ElementText("body", Namespaces.Client));
        var cdata = events[10].Element!.Element("body", Namespaces.Client)!;
        Assert.Single(cdata.Nodes);
        Assert.Equal("if (a < b && c > d) { } done", cdata.Text);
        Assert.Equal("de", events[11].Element!.Lang);
        Assert.Equal(XmppStreamEventKind.StreamEnd, events[^1].Kind);
    }

    [Fact]
    public void Parser_DialbackServer_UsesPrefixDeclaredOnHeader()
    {
        var parser = new XmppStreamParser(ParserHarness.Options());
        var events = ParserHarness.ParseSequence(new ReadOnlySequence<byte>(ParserHarness.Utf8(ClientTraffic.DialbackServer)), parser);

        Assert.Equal(Namespaces.Server, parser.ContentNamespace);
        Assert.True(events[1].Element!.Is("result", "jabber:server:dialback"));
        Assert.True(events[2].Element!.Is("message", Namespaces.Server));
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Parser_FixtureInTwoSegmentsAtEveryOffset_EqualsWhole(string fixture)
    {
        var data = ParserHarness.Utf8(ClientTraffic.Get(fixture));
        var expected = ParserHarness.ParseWhole(ClientTraffic.Get(fixture));

        for (var offset = 0; offset <= data.Length; offset++)
        {
            var parser = new XmppStreamParser(ParserHarness.Options());
            var actual = ParserHarness.ParseSequence(TestSequenceSegment.Split(data, offset), parser);
            ParserHarness.AssertSameEvents(expected, actual);
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task Parser_FixtureInTwoReadsAtEveryOffset_EqualsWholeAsync(string fixture)
    {
        var data = ParserHarness.Utf8(ClientTraffic.Get(fixture));
        var expected = ParserHarness.ParseWhole(ClientTraffic.Get(fixture));

        for (var offset = 0; offset <= data.Length; offset++)
        {
            var parser = new XmppStreamParser(ParserHarness.Options());
            var actual = await ParserHarness.ParseReadsAsync(parser, [data.AsMemory(0, offset), data.AsMemory(offset)]);
            ParserHarness.AssertSameEvents(expected, actual);
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task Parser_FixtureOneByteAtATime_EqualsWholeAndScansEachByteOnceAsync(string fixture)
    {
        var data = ParserHarness.Utf8(ClientTraffic.Get(fixture));
        var expected = ParserHarness.ParseWhole(ClientTraffic.Get(fixture));
        var parser = new XmppStreamParser(ParserHarness.Options());

        var actual = await ParserHarness.ParseReadsAsync(parser, ParserHarness.OneByteAtATime(data));

        ParserHarness.AssertSameEvents(expected, actual);
        Assert.Equal(data.Length, parser.TotalScannedBytes);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Parser_FixtureInSevenByteSegments_EqualsWhole(string fixture)
    {
        var data = ParserHarness.Utf8(ClientTraffic.Get(fixture));
        var expected = ParserHarness.ParseWhole(ClientTraffic.Get(fixture));

        var sequence = TestSequenceSegment.Create([.. data.Chunk(7)]);
        var actual = ParserHarness.ParseSequence(sequence, new XmppStreamParser(ParserHarness.Options()));

        ParserHarness.AssertSameEvents(expected, actual);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Parser_EveryProperPrefixOfAnEvent_ReturnsFalseAndConsumesNothing(string fixture)
    {
        var data = ParserHarness.Utf8(ClientTraffic.Get(fixture));

        // Where each event ends, from a whole parse.
        var ends = new List<long>();
        var whole = new ReadOnlySequence<byte>(data);
        var reference = new XmppStreamParser(ParserHarness.Options());
        var buffer = whole;
        while (reference.TryParse(buffer, out var consumed, out _))
        {
            buffer = buffer.Slice(consumed);
            ends.Add(whole.Slice(0, consumed).Length);
        }

        for (var length = 0; length < data.Length; length++)
        {
            // A fresh parser sees only the prefix: it yields the events that end within it, then false.
            var parser = new XmppStreamParser(ParserHarness.Options());
            var prefix = new ReadOnlySequence<byte>(data, 0, length);
            var events = 0;
            while (true)
            {
                if (!parser.TryParse(prefix, out var consumed, out _))
                {
                    Assert.Equal(prefix.Start, consumed);
                    break;
                }

                prefix = prefix.Slice(consumed);
                events++;
            }

            Assert.Equal(ends.Count(end => end <= length), events);
        }
    }

    [Fact]
    public void Parser_ManyStanzasInOneBuffer_AllComeOut()
    {
        const int Count = 500;
        var input = ParserHarness.Header + string.Concat(Enumerable.Range(0, Count).Select(i =>
            $"<message to='romeo@example.net' id='m{i}' type='chat'><body>Message number {i}</body></message> "));

        var events = ParserHarness.ParseWhole(input);

        Assert.Equal(Count + 1, events.Count);
        for (var i = 0; i < Count; i++)
        {
            Assert.Equal($"m{i}", events[i + 1].Element!.Id);
            Assert.Equal($"Message number {i}", events[i + 1].Element!.ElementText("body", Namespaces.Client));
        }
    }

    [Fact]
    public async Task Parser_LargeStanzaOneByteAtATime_ScansEachByteOnceAsync()
    {
        // A 200 KiB stanza arriving one byte per read: framing must stay linear (no rescanning from the '<').
        var body = string.Concat(Enumerable.Repeat("All the world's a stage, <and> all the men &amp; women merely players. ", 2800));
        var attributes = string.Concat(Enumerable.Range(0, 40).Select(i => $" a{i}='{new string('v', 100)}'"));
        var nested = string.Concat(Enumerable.Repeat("<x xmlns='urn:test'><y>text</y></x>", 500));
        var stanza = $"<message to='romeo@example.net'{attributes}><body>{body.Replace("<and>", "&lt;and&gt;", StringComparison.Ordinal)}</body>{nested}</message>";
        var data = ParserHarness.Utf8(ParserHarness.Header + stanza);
        Assert.True(data.Length > 200 * 1024);
        var parser = new XmppStreamParser(ParserHarness.Options(maxStanzaBytes: 1024 * 1024));

        var events = await ParserHarness.ParseReadsAsync(parser, ParserHarness.OneByteAtATime(data));

        Assert.Equal(2, events.Count);
        Assert.Equal(data.Length, parser.TotalScannedBytes);
        Assert.Equal(500, events[1].Element!.Elements("x", "urn:test").Count());
    }
}
