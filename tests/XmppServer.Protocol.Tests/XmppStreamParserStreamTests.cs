using System.Buffers;
using XmppServer.Protocol.Tests.Testing;

namespace XmppServer.Protocol.Tests;

public class XmppStreamParserStreamTests
{
    [Fact]
    public void Parser_StreamHeader_YieldsStreamStartWithResolvedNameAndAttributes()
    {
        var parser = new XmppStreamParser(ParserHarness.Options());

        var events = ParserHarness.ParseSequence(Sequence(ParserHarness.Header), parser);

        var header = Assert.Single(events);
        Assert.Equal(XmppStreamEventKind.StreamStart, header.Kind);
        var element = header.Element!;
        Assert.True(element.Is("stream", Namespaces.Streams));
        Assert.Equal("example.com", element.To);
        Assert.Equal("1.0", element.GetAttribute("version"));
        Assert.Equal("en", element.GetAttribute("lang", Namespaces.Xml));
        Assert.Equal(3, element.Attributes.Count); // xmlns and xmlns:stream are declarations, not attributes
        Assert.Empty(element.Nodes);
        Assert.Equal(Namespaces.Client, parser.ContentNamespace);
        Assert.Equal("en", parser.StreamLanguage);
    }

    [Fact]
    public void Parser_HeaderWithAllAttributes_KeepsThemAll()
    {
        var parser = new XmppStreamParser(ParserHarness.Options());
        var input = "<stream:stream from='juliet@example.com' to='example.com' version='1.0' id='abc' xml:lang='fr' " +
            "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";

        var element = ParserHarness.ParseSequence(Sequence(input), parser)[0].Element!;

        Assert.Equal("juliet@example.com", element.From);
        Assert.Equal("example.com", element.To);
        Assert.Equal("abc", element.Id);
        Assert.Equal("fr", element.Lang);
        Assert.Equal("fr", parser.StreamLanguage);
    }

    [Theory]
    [InlineData("<stream:stream xmlns:stream='urn:wrong' xmlns='jabber:client'>", "stream", "urn:wrong")]
    [InlineData("<stream xmlns='http://etherx.jabber.org/streams'>", "stream", Namespaces.Streams)]
    [InlineData("<s:foo xmlns:s='http://etherx.jabber.org/streams'>", "foo", Namespaces.Streams)]
    [InlineData("<stream>", "stream", "")]
    public void Parser_UnusualHeader_IsReturnedAsResolvedForTheConnectionToJudge(string input, string name, string ns)
    {
        var parser = new XmppStreamParser(ParserHarness.Options());

        var element = ParserHarness.ParseSequence(Sequence(input), parser)[0].Element!;

        Assert.True(element.Is(name, ns));
    }

    [Fact]
    public void Parser_HeaderWithoutDefaultNamespaceOrLanguage_LeavesThemNull()
    {
        var parser = new XmppStreamParser(ParserHarness.Options());

        var events = ParserHarness.ParseSequence(Sequence("<stream:stream xmlns:stream='http://etherx.jabber.org/streams' xml:lang=''><message/>"), parser);

        Assert.Null(parser.ContentNamespace);
        Assert.Null(parser.StreamLanguage);
        Assert.True(events[1].Element!.Is("message", string.Empty));
        Assert.Empty(events[1].Element!.Attributes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("<?xml version='1.0'?>")]
    [InlineData("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")]
    [InlineData("<?xml version='1.0' encoding='utf-8' standalone='yes'?>\n")]
    [InlineData("<?xml version='1.0' ?>\r\n  ")]
    [InlineData("\uFEFF")]
    [InlineData("\uFEFF<?xml version='1.0'?>")]
    [InlineData("\n \t")]
    public void Parser_Prolog_IsAcceptedBeforeHeader(string prolog)
    {
        var events = ParserHarness.ParseWhole(prolog + ParserHarness.Header[21..] + "<message/>");

        Assert.Equal(XmppStreamEventKind.StreamStart, events[0].Kind);
        Assert.Equal(XmppStreamEventKind.Element, events[1].Kind);
    }

    [Fact]
    public void Parser_WhitespaceKeepalives_AreConsumedSilently()
    {
        var parser = new XmppStreamParser(ParserHarness.Options());
        var events = ParserHarness.ParseSequence(Sequence(ParserHarness.Header + " \n<message/>\r\n\t <presence/>  "), parser);

        Assert.Equal(3, events.Count);

        // Whitespace alone is not an event: nothing to consume yet, and nothing is lost.
        var keepalive = Sequence("   ");
        Assert.False(parser.TryParse(keepalive, out var consumed, out _));
        Assert.Equal(keepalive.Start, consumed);
    }

    [Fact]
    public void Parser_StreamClose_YieldsStreamEnd()
    {
        var events = ParserHarness.ParseWhole(ParserHarness.Header + "<message/></stream:stream>");

        Assert.Equal(XmppStreamEventKind.StreamEnd, events[2].Kind);
        Assert.Null(events[2].Element);
    }

    [Fact]
    public void Parser_ResetAfterStreamRestart_ParsesNewHeaderAndStanzas()
    {
        var parser = new XmppStreamParser(ParserHarness.Options());
        var first = ParserHarness.Utf8(ClientTraffic.ConversationsSasl);
        var restart = ParserHarness.Utf8(ClientTraffic.ConversationsSession);
        var buffer = new ReadOnlySequence<byte>([.. first, .. restart]);

        // The old stream: header and the SASL exchange.
        var events = new List<XmppStreamEvent>();
        while (events.Count < 3 && parser.TryParse(buffer, out var consumed, out var streamEvent))
        {
            events.Add(streamEvent);
            buffer = buffer.Slice(consumed);
        }

        Assert.True(events[2].Element!.Is("response", Namespaces.Sasl));

        // SASL success: the connection raises the limit and resets; a new header follows in the same buffer.
        parser.Reset();
        Assert.Null(parser.ContentNamespace);
        var rest = ParserHarness.ParseSequence(buffer, parser);

        Assert.Equal(XmppStreamEventKind.StreamStart, rest[0].Kind);
        Assert.Equal(Namespaces.Client, parser.ContentNamespace);
        Assert.True(rest[1].Element!.Is("iq", Namespaces.Client));
        Assert.Equal(XmppStreamEventKind.StreamEnd, rest[^1].Kind);
    }

    [Fact]
    public void Parser_ResetMidElement_ForgetsPendingState()
    {
        var parser = new XmppStreamParser(ParserHarness.Options());
        Assert.Single(ParserHarness.ParseSequence(Sequence(ParserHarness.Header + "<message><body>unfinished"), parser));

        parser.Reset();
        var events = ParserHarness.ParseSequence(Sequence(ParserHarness.Header + "<presence/>"), parser);

        Assert.Equal(2, events.Count);
        Assert.True(events[1].Element!.Is("presence", Namespaces.Client));
    }

    [Fact]
    public void Parser_StanzaWithoutLang_InheritsStreamLanguage()
    {
        var element = ParserHarness.ParseStanza("<message><body>hi</body><x xmlns='urn:x'/></message>");

        Assert.Equal("en", element.Lang);
        Assert.Null(element.Element("body", Namespaces.Client)!.Lang); // inherited in XML, not copied below the stanza
    }

    [Fact]
    public void Parser_TopLevelStanza_HasRoomForTheFromTheServerStamps()
    {
        const string Stanza = "<message to='b@example.com' type='chat' id='m1'><body>hi</body></message>";
        ParserHarness.ParseStanza(Stanza).From = "warm@example.com/up"; // a first call compiles the setter
        var element = ParserHarness.ParseStanza(Stanza);

        var before = GC.GetAllocatedBytesForCurrentThread();
        element.From = "a@example.com/phone";
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(5, element.Attributes.Count); // to, type, id, the inherited xml:lang and from
    }

    [Fact]
    public void Parser_StanzaWithOwnLang_KeepsIt()
    {
        var element = ParserHarness.ParseStanza("<message xml:lang='de'><body xml:lang='fr'>salut</body></message>");

        Assert.Equal("de", element.Lang);
        Assert.Equal("fr", element.Element("body", Namespaces.Client)!.Lang);
        Assert.Single(element.Attributes);
    }

    [Fact]
    public void Parser_MaxStanzaBytes_DefaultsToPreAuthenticationLimit()
    {
        var options = new XmppParserOptions { MaxStanzaBytesBeforeAuthentication = 1234 };

        var parser = new XmppStreamParser(options);

        Assert.Equal(1234, parser.MaxStanzaBytes);
        Assert.Same(options, parser.Options);
    }

    [Fact]
    public void Parser_ManyDistinctNames_TableStaysBounded()
    {
        var parser = new XmppStreamParser(ParserHarness.Options());
        var stanzas = string.Concat(Enumerable.Range(0, 3000).Select(i => $"<n{i} xmlns='urn:ns{i}' a{i}='1'/>"));

        var events = ParserHarness.ParseSequence(Sequence(ParserHarness.Header + stanzas), parser);

        Assert.Equal(3001, events.Count);
        Assert.Equal("n2999", events[^1].Element!.Name);
        Assert.Equal("urn:ns2999", events[^1].Element!.Namespace);
    }

    private static ReadOnlySequence<byte> Sequence(string text) => new(ParserHarness.Utf8(text));
}
