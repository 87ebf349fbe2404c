using System.Buffers;
using XmppServer.Protocol.Tests.Testing;

namespace XmppServer.Protocol.Tests;

public class XmppStreamParserLimitTests
{
    private const string Header = ParserHarness.Header;

    [Fact]
    public void Parser_StanzaOfExactlyMaxStanzaBytes_IsAccepted()
    {
        var stanza = StanzaOfSize(1000);
        var parser = StreamParser(maxStanzaBytes: 1000);

        var events = Parse(parser, stanza);

        Assert.Single(events);
    }

    [Fact]
    public void Parser_CompleteStanzaOneByteOverMaxStanzaBytes_ThrowsPolicyViolation()
    {
        var parser = StreamParser(maxStanzaBytes: 1000);

        var error = Assert.Throws<XmppStreamException>(() => Parse(parser, StanzaOfSize(1001)));

        Assert.Equal(StreamErrorCondition.PolicyViolation, error.Condition);
    }

    [Fact]
    public void Parser_IncompleteStanzaOverMaxStanzaBytes_ThrowsBeforeItCompletes()
    {
        var parser = StreamParser(maxStanzaBytes: 1000);
        var start = "<message><body>" + new string('a', 1000 - 15);
        Assert.Equal(1000, start.Length);

        // Up to the limit: simply incomplete.
        Assert.Empty(Parse(parser, start));

        // One more byte of the same unfinished stanza: over the limit, without waiting for its end.
        var error = Assert.Throws<XmppStreamException>(() => Parse(parser, start + "a"));
        Assert.Equal(StreamErrorCondition.PolicyViolation, error.Condition);
    }

    [Fact]
    public void Parser_HugeUnfinishedAttributeValue_ThrowsPolicyViolation()
    {
        var parser = StreamParser(maxStanzaBytes: 4096);

        var error = Assert.Throws<XmppStreamException>(() => Parse(parser, "<message to='" + new string('x', 10_000)));

        Assert.Equal(StreamErrorCondition.PolicyViolation, error.Condition);
    }

    [Fact]
    public void Parser_LimitIsMeasuredFromStanzaNotFromLeadingWhitespace()
    {
        var parser = StreamParser(maxStanzaBytes: 1000);

        var events = Parse(parser, new string(' ', 900) + StanzaOfSize(1000));

        Assert.Single(events);
    }

    [Fact]
    public void Parser_WhitespaceFloodBetweenStanzas_ThrowsPolicyViolation()
    {
        var parser = StreamParser(maxStanzaBytes: 1000);

        var error = Assert.Throws<XmppStreamException>(() => Parse(parser, new string(' ', 1001)));

        Assert.Equal(StreamErrorCondition.PolicyViolation, error.Condition);
    }

    [Fact]
    public void Parser_BeforeAuthentication_UsesPreAuthenticationLimit()
    {
        var options = new XmppParserOptions();
        var parser = new XmppStreamParser(options);
        Assert.Equal(options.MaxStanzaBytesBeforeAuthentication, parser.MaxStanzaBytes);
        Assert.Single(ParserHarness.ParseSequence(Sequence(Header), parser));

        var error = Assert.Throws<XmppStreamException>(() => Parse(parser, StanzaOfSize(options.MaxStanzaBytesBeforeAuthentication + 1)));

        Assert.Equal(StreamErrorCondition.PolicyViolation, error.Condition);
    }

    [Fact]
    public void Parser_AfterAuthentication_RaisedLimitAcceptsLargerStanza()
    {
        var options = new XmppParserOptions();
        var parser = new XmppStreamParser(options);
        var stanza = StanzaOfSize(options.MaxStanzaBytesBeforeAuthentication + 1);

        // SASL success: the connection raises the limit and resets for the new stream header.
        parser.MaxStanzaBytes = options.MaxStanzaBytes;
        parser.Reset();
        var events = ParserHarness.ParseSequence(Sequence(Header + stanza), parser);

        Assert.Equal(2, events.Count);
        Assert.Equal(options.MaxStanzaBytes, parser.MaxStanzaBytes);
    }

    [Fact]
    public void Parser_HeaderOverMaxStanzaBytes_ThrowsPolicyViolation()
    {
        var parser = new XmppStreamParser(ParserHarness.Options(maxStanzaBytes: 512));
        var header = "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' to='" + new string('a', 600);

        var error = Assert.Throws<XmppStreamException>(() => ParserHarness.ParseSequence(Sequence(header), parser));

        Assert.Equal(StreamErrorCondition.PolicyViolation, error.Condition);
    }

    [Fact]
    public void Parser_DepthAtMaxDepth_IsAccepted()
    {
        var options = ParserHarness.Options();
        options.MaxDepth = 32;

        var element = ParserHarness.ParseStanza(Nested(32, empty: false), options);

        var depth = 1;
        for (var e = element; e.FirstElement() is { } child; e = child)
        {
            depth++;
        }

        Assert.Equal(32, depth);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Parser_DepthOverMaxDepth_ThrowsPolicyViolation(bool empty)
    {
        var options = ParserHarness.Options();
        options.MaxDepth = 32;

        var error = ParserHarness.ParseError(Header + Nested(33, empty), options);

        Assert.Equal(StreamErrorCondition.PolicyViolation, error.Condition);
    }

    [Fact]
    public void Parser_DeeplyNestedUnfinishedStanza_FailsWithoutWaitingForTheEnd()
    {
        var parser = StreamParser(maxStanzaBytes: 1 << 20);

        var error = Assert.Throws<XmppStreamException>(() => Parse(parser, string.Concat(Enumerable.Repeat("<a>", 40))));

        Assert.Equal(StreamErrorCondition.PolicyViolation, error.Condition);
    }

    [Fact]
    public void Parser_AttributesAtMaxAttributes_AreAccepted()
    {
        var options = ParserHarness.Options();
        options.MaxAttributes = 8;

        var element = ParserHarness.ParseStanza("<message xmlns:x='urn:x'" + Attributes(7) + "/>", options);

        Assert.Equal(8, element.Attributes.Count); // 7 plus the inherited xml:lang
    }

    [Theory]
    [InlineData("<message xmlns:x='urn:x'{0}/>")]      // the namespace declaration counts
    [InlineData("<message><body xmlns:y='urn:y'{0}>x</body></message>")]
    public void Parser_AttributesOverMaxAttributes_ThrowsPolicyViolation(string template)
    {
        var options = ParserHarness.Options();
        options.MaxAttributes = 8;

        var error = ParserHarness.ParseError(Header + string.Format(System.Globalization.CultureInfo.InvariantCulture, template, Attributes(8)), options);

        Assert.Equal(StreamErrorCondition.PolicyViolation, error.Condition);
    }

    [Fact]
    public void Parser_NamesAtMaxNameBytes_AreAccepted()
    {
        var options = ParserHarness.Options();
        options.MaxNameBytes = 16;
        var name = "p:" + new string('n', 14);

        var element = ParserHarness.ParseStanza($"<{name} xmlns:p='urn:p' {name}='v'></{name}>", options);

        Assert.Equal(new string('n', 14), element.Name);
    }

    [Theory]
    [InlineData("<{0}/>")]
    [InlineData("<message><{0}>x</{0}></message>")]
    [InlineData("<message {0}='v'/>")]
    [InlineData("<message><body>&{0};</body></message>")]
    public void Parser_NameOverMaxNameBytes_ThrowsPolicyViolation(string template)
    {
        var options = ParserHarness.Options();
        options.MaxNameBytes = 16;

        var error = ParserHarness.ParseError(Header + string.Format(System.Globalization.CultureInfo.InvariantCulture, template, new string('n', 17)), options);

        // An entity reference is restricted whatever the length of its name.
        var expected = template.Contains('&', StringComparison.Ordinal) ? StreamErrorCondition.RestrictedXml : StreamErrorCondition.PolicyViolation;
        Assert.Equal(expected, error.Condition);
    }

    [Fact]
    public void Parser_UnfinishedHugeElementName_FailsAfterMaxNameBytes()
    {
        var parser = StreamParser(maxStanzaBytes: 1 << 20);

        var error = Assert.Throws<XmppStreamException>(() => Parse(parser, "<" + new string('n', 300)));

        Assert.Equal(StreamErrorCondition.PolicyViolation, error.Condition);
    }

    [Theory]
    [InlineData("<message to='{0}'/>")]
    [InlineData("<message><x xmlns='urn:x' a='{0}'/></message>")]
    [InlineData("<message xml:lang='{0}'/>")]
    public void Parser_AttributeValueAtMaxAttributeValueLength_IsAccepted(string template)
    {
        var options = ParserHarness.Options();
        options.MaxAttributeValueLength = 100;

        var element = ParserHarness.ParseStanza(Format(template, new string('v', 100)), options);

        Assert.Contains(AllAttributes(element), a => a.Value == new string('v', 100));
    }

    [Theory]
    [InlineData("<message to='{0}'/>")]
    [InlineData("<message><x xmlns='urn:x' a='{0}'/></message>")]
    [InlineData("<message xmlns:p='urn:{0}'/>")]                        // a namespace name is an attribute value too
    public void Parser_AttributeValueOverMaxAttributeValueLength_ThrowsPolicyViolation(string template)
    {
        var options = ParserHarness.Options();
        options.MaxAttributeValueLength = 100;

        var error = ParserHarness.ParseError(Header + Format(template, new string('v', 101)), options);

        Assert.Equal(StreamErrorCondition.PolicyViolation, error.Condition);
        Assert.Equal("An attribute value is too long.", error.Text);
    }

    [Fact]
    public void Parser_AttributeValueLength_CountsCharactersAfterReferences()
    {
        var options = ParserHarness.Options();
        options.MaxAttributeValueLength = 100;

        // 100 characters written as 500 bytes of references, and 100 characters of three bytes each.
        var referenced = ParserHarness.ParseStanza(Format("<message id='{0}'/>", string.Concat(Enumerable.Repeat("&amp;", 100))), options);
        var wide = ParserHarness.ParseStanza(Format("<message id='{0}'/>", new string('\u20AC', 100)), options);

        Assert.Equal(new string('&', 100), referenced.Id);
        Assert.Equal(new string('\u20AC', 100), wide.Id);
    }

    [Fact]
    public void Parser_StreamHeaderAttributeOverMaxAttributeValueLength_ThrowsPolicyViolation()
    {
        var options = ParserHarness.Options();
        options.MaxAttributeValueLength = 100;
        var header = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='" + new string('a', 101) + "'>";

        var error = ParserHarness.ParseError(header, options);

        Assert.Equal(StreamErrorCondition.PolicyViolation, error.Condition);
    }

    [Theory]
    [InlineData("<message><body>{0}</body></message>")]
    [InlineData("<message><body>&lt;{0}</body></message>")]            // references and CDATA join one text node
    [InlineData("<message><body><![CDATA[{0}]]>x</body></message>")]
    [InlineData("<message><body>a<b/>{0}</body></message>")]           // the second text node of an element
    public void Parser_TextOverMaxTextLength_ThrowsPolicyViolation(string template)
    {
        var options = ParserHarness.Options();
        options.MaxTextLength = 100;

        var error = ParserHarness.ParseError(Header + Format(template, new string('t', 101)), options);

        Assert.Equal(StreamErrorCondition.PolicyViolation, error.Condition);
        Assert.Equal("Character data is too long.", error.Text);
    }

    [Theory]
    [InlineData("<message><body>{0}</body></message>")]
    [InlineData("<message><body>{0}<b/>{0}</body></message>")]          // each text node has its own bound
    [InlineData("<message><body><![CDATA[{0}]]></body></message>")]
    public void Parser_TextAtMaxTextLength_IsAccepted(string template)
    {
        var options = ParserHarness.Options();
        options.MaxTextLength = 100;

        var element = ParserHarness.ParseStanza(Format(template, new string('t', 100)), options);

        Assert.StartsWith(new string('t', 100), element.ElementText("body", Namespaces.Client), StringComparison.Ordinal);
    }

    [Fact]
    public void Parser_TextLength_CountsCharactersAfterReferences()
    {
        var options = ParserHarness.Options();
        options.MaxTextLength = 100;

        var element = ParserHarness.ParseStanza("<message><body>" + string.Concat(Enumerable.Repeat("&#x20AC;", 100)) + "</body></message>", options);

        Assert.Equal(new string('\u20AC', 100), element.ElementText("body", Namespaces.Client));
    }

    [Fact]
    public void Parser_NamespaceDeclarationsAtMaxNamespaceDeclarations_AreAccepted()
    {
        var options = ParserHarness.Options();
        options.MaxNamespaceDeclarations = 4;

        var element = ParserHarness.ParseStanza("<message><x xmlns='urn:x' xmlns:a='urn:a' xmlns:b='urn:b' xmlns:c='urn:c' a:v='1'/></message>", options);

        Assert.Equal("urn:x", element.FirstElement()!.Namespace);
    }

    [Theory]
    [InlineData("<message xmlns:a='urn:a' xmlns:b='urn:b' xmlns:c='urn:c' xmlns:d='urn:d' xmlns:e='urn:e'/>")]
    [InlineData("<message><x xmlns='urn:x' xmlns:a='urn:a' xmlns:b='urn:b' xmlns:c='urn:c' xmlns:d='urn:d'/></message>")]
    public void Parser_NamespaceDeclarationsOverMaxNamespaceDeclarations_ThrowsPolicyViolation(string stanza)
    {
        var options = ParserHarness.Options();
        options.MaxNamespaceDeclarations = 4;

        var error = ParserHarness.ParseError(Header + stanza, options);

        Assert.Equal(StreamErrorCondition.PolicyViolation, error.Condition);
        Assert.Equal("Too many namespace declarations on one element.", error.Text);
    }

    [Fact]
    public void Parser_NamespaceDeclarationsOnStreamHeader_AreCounted()
    {
        var options = ParserHarness.Options();
        options.MaxNamespaceDeclarations = 2;
        var header = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' xmlns:a='urn:a'>";

        var error = ParserHarness.ParseError(header, options);

        Assert.Equal(StreamErrorCondition.PolicyViolation, error.Condition);
    }

    [Fact]
    public void ParserOptions_Defaults_AcceptWhatClientsSend()
    {
        // A JID at its longest (RFC 7622 §3.1: 1023 + 1 + 1023 + 1 + 1023 bytes) as an attribute value, a 100 KiB body,
        // and the stream header's declarations.
        var options = new XmppParserOptions();
        options.MaxStanzaBytesBeforeAuthentication = options.MaxStanzaBytes; // as after authentication
        var jid = new string('l', 1023) + "@" + new string('d', 63) + "." + new string('d', 959) + "/" + new string('r', 1023);

        var element = ParserHarness.ParseStanza($"<message to='{jid}'><body>{new string('b', 100 * 1024)}</body></message>", options);

        Assert.Equal(jid, element.To);
        Assert.True(options.MaxNamespaceDeclarations >= 3);
    }

    private static IEnumerable<XmppAttribute> AllAttributes(XmppElement element)
        => element.Attributes.Concat(element.Elements().SelectMany(AllAttributes));

    private static string Format(string template, string value) => string.Format(System.Globalization.CultureInfo.InvariantCulture, template, value);

    private static XmppStreamParser StreamParser(int maxStanzaBytes)
    {
        var parser = new XmppStreamParser(ParserHarness.Options(maxStanzaBytes: 64 * 1024));
        Assert.Single(ParserHarness.ParseSequence(Sequence(Header), parser));
        parser.MaxStanzaBytes = maxStanzaBytes;
        return parser;
    }

    // The parser has consumed the header; feed the rest of the stream as the next read.
    private static List<XmppStreamEvent> Parse(XmppStreamParser parser, string rest) => ParserHarness.ParseSequence(Sequence(rest), parser);

    private static ReadOnlySequence<byte> Sequence(string text) => new(ParserHarness.Utf8(text));

    private static string StanzaOfSize(int size)
    {
        const string Start = "<message><body>";
        const string End = "</body></message>";
        return Start + new string('a', size - Start.Length - End.Length) + End;
    }

    private static string Nested(int depth, bool empty)
    {
        var open = string.Concat(Enumerable.Range(0, depth - 1).Select(i => $"<e{i}>"));
        var close = string.Concat(Enumerable.Range(0, depth - 1).Reverse().Select(i => $"</e{i}>"));
        return empty ? open + "<leaf/>" + close : open + "<leaf>x</leaf>" + close;
    }

    private static string Attributes(int count) => string.Concat(Enumerable.Range(0, count).Select(i => $" a{i}='{i}'"));
}
