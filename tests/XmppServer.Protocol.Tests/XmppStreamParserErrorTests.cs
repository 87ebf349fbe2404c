using XmppServer.Protocol.Tests.Testing;

namespace XmppServer.Protocol.Tests;

public class XmppStreamParserErrorTests
{
    private const string Header = ParserHarness.Header;

    [Theory]
    [InlineData("<message><!-- a comment --><body>hi</body></message>")]
    [InlineData("<!-- between stanzas --><message/>")]
    [InlineData("<message><?foo bar?></message>")]
    [InlineData("<?xml version='1.0'?><message/>")]
    [InlineData("<message><!ENTITY x 'y'></message>")]
    [InlineData("<!DOCTYPE message><message/>")]
    [InlineData("<message><body>&nbsp;</body></message>")]
    [InlineData("<message><body>a &xxe; b</body></message>")]
    [InlineData("<message to='&foo;'/>")]
    [InlineData("<message><!ATTLIST message a CDATA #IMPLIED></message>")]
    public void Parser_RestrictedConstructInStream_ThrowsRestrictedXml(string stanza)
    {
        var error = ParserHarness.ParseError(Header + stanza);

        Assert.Equal(StreamErrorCondition.RestrictedXml, error.Condition);
    }

    [Theory]
    [InlineData("<!-- hello --><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>")]
    [InlineData("<?xml version='1.0'?><!DOCTYPE stream:stream [<!ENTITY lol 'lol'>]><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>")]
    [InlineData("<?xml-stylesheet href='a.xsl'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>")]
    [InlineData(" <?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>")]
    [InlineData("<?xml version='1.0'?><?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>")]
    public void Parser_RestrictedConstructBeforeHeader_ThrowsRestrictedXml(string input)
    {
        var error = ParserHarness.ParseError(input);

        Assert.Equal(StreamErrorCondition.RestrictedXml, error.Condition);
    }

    [Theory]
    [InlineData("<message><body>hi</bdy></message>")]
    [InlineData("<message></presence>")]
    [InlineData("<message><body>hi</message></body>")]
    [InlineData("<message><body>hi</body ></messag>")]
    [InlineData("<message to='a' to='b'/>")]
    [InlineData("<message xmlns:a='urn:x' xmlns:b='urn:x' a:foo='1' b:foo='2'/>")]
    [InlineData("<message xmlns:a='urn:x' xmlns:a='urn:y'/>")]
    [InlineData("<message xmlns='jabber:client' xmlns='jabber:client'/>")]
    [InlineData("<message to=romeo/>")]
    [InlineData("<message to/>")]
    [InlineData("<message to />")]
    [InlineData("<message checked/>")]
    [InlineData("<message checked></message>")]
    [InlineData("<message to='a<b'/>")]
    [InlineData("<message to=\"a<b\"/>")]
    [InlineData("<message x='1'y='2'/>")]
    [InlineData("<1message/>")]
    [InlineData("<-message/>")]
    [InlineData("<mes$sage/>")]
    [InlineData("<a:b:c xmlns:a='urn:a'/>")]
    [InlineData("<:message/>")]
    [InlineData("<message:/>")]
    [InlineData("< message/>")]
    [InlineData("<message / >")]
    [InlineData("<message><body>a ]]> b</body></message>")]
    [InlineData("hello<message/>")]
    [InlineData("<message/>hello")]
    [InlineData("<![CDATA[top level]]>")]
    [InlineData("<message><![CDAT[x]]></message>")]
    [InlineData("<message><!foo></message>")]
    [InlineData("<message><body>\u0001</body></message>")]
    [InlineData("<message><body>\u001F</body></message>")]
    [InlineData("<message to='\u0008'/>")]
    [InlineData("<message><body><![CDATA[\u0002]]></body></message>")]
    [InlineData("<message><body>&#0;</body></message>")]
    [InlineData("<message><body>&#x0;</body></message>")]
    [InlineData("<message><body>&#1;</body></message>")]
    [InlineData("<message><body>&#xD800;</body></message>")]
    [InlineData("<message><body>&#xDFFF;</body></message>")]
    [InlineData("<message><body>&#xFFFE;</body></message>")]
    [InlineData("<message><body>&#xFFFF;</body></message>")]
    [InlineData("<message><body>&#x110000;</body></message>")]
    [InlineData("<message><body>&#99999999999999999999;</body></message>")]
    [InlineData("<message><body>&#xZZ;</body></message>")]
    [InlineData("<message><body>&#X41;</body></message>")]
    [InlineData("<message><body>&#;</body></message>")]
    [InlineData("<message><body>&#x;</body></message>")]
    [InlineData("<message><body>&;</body></message>")]
    [InlineData("<message><body>fish & chips</body></message>")]
    [InlineData("<message><body>&lt</body></message>")]
    [InlineData("<message><body>&1abc;</body></message>")]
    [InlineData("<message to='&#0;'/>")]
    [InlineData("<message to='a & b'/>")]
    [InlineData("<message xmlns:p=''/>")]
    [InlineData("<message xmlns:xml='urn:other'/>")]
    [InlineData("<message xmlns:xmlns='urn:x'/>")]
    [InlineData("<message xmlns:x='http://www.w3.org/XML/1998/namespace'/>")]
    [InlineData("<message xmlns='http://www.w3.org/2000/xmlns/'/>")]
    [InlineData("<message></message></stream:foo>")]
    [InlineData("</stream:stream><message/>")]
    [InlineData("</stream:stream >x")]
    public void Parser_IllFormedStanza_ThrowsNotWellFormed(string stanza)
    {
        var error = ParserHarness.ParseError(Header + stanza);

        Assert.Equal(StreamErrorCondition.NotWellFormed, error.Condition);
    }

    [Theory]
    [InlineData("</stream:stream>")]
    [InlineData("hello<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>")]
    [InlineData("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'/>")]
    [InlineData("<?xml encoding='UTF-8'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams'>")]
    [InlineData("<?xml version='2.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams'>")]
    [InlineData("<?xml version='1.0' bogus='x'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams'>")]
    [InlineData("<?xml version='1.0' standalone='maybe'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams'>")]
    [InlineData("<?xml version='1.0'encoding='UTF-8'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams'>")]
    [InlineData("<stream:stream xmlns:stream='http://etherx.jabber.org/streams' to='a' to='b'>")]
    [InlineData("<![CDATA[x]]><stream:stream xmlns:stream='http://etherx.jabber.org/streams'>")]
    public void Parser_IllFormedPrologOrHeader_ThrowsNotWellFormed(string input)
    {
        var error = ParserHarness.ParseError(input);

        Assert.Equal(StreamErrorCondition.NotWellFormed, error.Condition);
    }

    [Theory]
    [InlineData("<foo:bar/>")]
    [InlineData("<message foo:bar='x'/>")]
    [InlineData("<message><x:a xmlns:x='urn:x'/><x:b/></message>")]
    [InlineData("<message><x:a xmlns:x='urn:x'></x:a><body x:y='1'/></message>")]
    [InlineData("<xmlns:message/>")]
    public void Parser_UnboundPrefix_ThrowsBadNamespacePrefix(string stanza)
    {
        var error = ParserHarness.ParseError(Header + stanza);

        Assert.Equal(StreamErrorCondition.BadNamespacePrefix, error.Condition);
    }

    [Theory]
    [InlineData(new byte[] { 0xC0, 0xAF })]                  // overlong '/'
    [InlineData(new byte[] { 0xC1, 0xBF })]                  // overlong
    [InlineData(new byte[] { 0xE0, 0x80, 0xAF })]            // overlong 3-byte
    [InlineData(new byte[] { 0xF0, 0x80, 0x80, 0xAF })]      // overlong 4-byte
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]            // surrogate U+D800
    [InlineData(new byte[] { 0xED, 0xBF, 0xBF })]            // surrogate U+DFFF
    [InlineData(new byte[] { 0xF4, 0x90, 0x80, 0x80 })]      // U+110000
    [InlineData(new byte[] { 0xF5, 0x80, 0x80, 0x80 })]      // invalid lead byte
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0x80 })]                        // lone continuation byte
    [InlineData(new byte[] { 0xE2, 0x82 })]                  // truncated (followed by '<')
    [InlineData(new byte[] { 0xC3, 0x41 })]                  // lead byte followed by ASCII
    [InlineData(new byte[] { 0xEF, 0xBF, 0xBE })]            // U+FFFE, not an XML character
    [InlineData(new byte[] { 0xEF, 0xBF, 0xBF })]            // U+FFFF
    public void Parser_InvalidUtf8InText_ThrowsNotWellFormed(byte[] bad)
    {
        AssertNotWellFormed("<message><body>ok ", bad, " ok</body></message>");
        AssertNotWellFormed("<message><body>&amp;", bad, "</body></message>"); // the slow, merging path
        AssertNotWellFormed("<message to='", bad, "'/>");
        AssertNotWellFormed("<message to='&amp;", bad, "'/>");
        AssertNotWellFormed("<message><body><![CDATA[", bad, "]]></body></message>");
    }

    [Theory]
    [InlineData(new byte[] { 0xC0, 0xAF })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    [InlineData(new byte[] { 0xF4, 0x90, 0x80, 0x80 })]
    [InlineData(new byte[] { 0xE2, 0x82 })]
    [InlineData(new byte[] { 0xC2, 0xA0 })] // U+00A0 is valid UTF-8 but not a name character
    public void Parser_InvalidUtf8OrCharacterInName_ThrowsNotWellFormed(byte[] bad)
    {
        AssertNotWellFormed("<mess", bad, "age/>");
        AssertNotWellFormed("<message a", bad, "='1'/>");
    }

    [Fact]
    public void Parser_NonAsciiNames_AreAccepted()
    {
        var element = ParserHarness.ParseStanza("<nachricht xmlns='urn:ü'><grüße größe='groß'>é</grüße><日本語/></nachricht>");

        Assert.True(element.Is("nachricht", "urn:ü"));
        Assert.Equal("groß", element.Element("grüße", "urn:ü")!.GetAttribute("größe"));
        Assert.NotNull(element.Element("日本語", "urn:ü"));
    }

    [Theory]
    [InlineData("<?xml version='1.0' encoding='ISO-8859-1'?>")]
    [InlineData("<?xml version='1.0' encoding='UTF-16'?>")]
    [InlineData("<?xml version=\"1.0\" encoding=\"US-ASCII\"?>")]
    public void Parser_DeclarationWithOtherEncoding_ThrowsUnsupportedEncoding(string declaration)
    {
        var error = ParserHarness.ParseError(declaration + "<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>");

        Assert.Equal(StreamErrorCondition.UnsupportedEncoding, error.Condition);
    }

    [Fact]
    public void Parser_DeclarationWithOtherEncoding_FailsBeforeHeaderArrives()
    {
        var parser = new XmppStreamParser(ParserHarness.Options());
        var input = new System.Buffers.ReadOnlySequence<byte>(ParserHarness.Utf8("<?xml version='1.0' encoding='latin1'?>"));

        var error = Assert.Throws<XmppStreamException>(() => parser.TryParse(input, out _, out _));

        Assert.Equal(StreamErrorCondition.UnsupportedEncoding, error.Condition);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFE, (byte)'<', 0 })]
    [InlineData(new byte[] { 0xFE, 0xFF, 0, (byte)'<' })]
    [InlineData(new byte[] { 0, (byte)'<', 0, (byte)'?' })]
    public void Parser_Utf16Input_ThrowsUnsupportedEncoding(byte[] input)
    {
        var parser = new XmppStreamParser(ParserHarness.Options());

        var error = Assert.Throws<XmppStreamException>(() => parser.TryParse(new System.Buffers.ReadOnlySequence<byte>(input), out _, out _));

        Assert.Equal(StreamErrorCondition.UnsupportedEncoding, error.Condition);
    }

    [Fact]
    public void Parser_AfterError_IsDeadUntilReset()
    {
        var parser = new XmppStreamParser(ParserHarness.Options());
        var bad = new System.Buffers.ReadOnlySequence<byte>(ParserHarness.Utf8(Header + "<!-- x -->"));
        Assert.Throws<XmppStreamException>(() => ParserHarness.ParseSequence(bad, parser));

        Assert.Throws<InvalidOperationException>(() => parser.TryParse(bad, out _, out _));

        parser.Reset();
        var events = ParserHarness.ParseSequence(new System.Buffers.ReadOnlySequence<byte>(ParserHarness.Utf8(Header + "<message/>")), parser);
        Assert.Equal(2, events.Count);
    }

    private static void AssertNotWellFormed(string before, byte[] bad, string after)
    {
        var data = ParserHarness.Utf8(Header + before).Concat(bad).Concat(ParserHarness.Utf8(after)).ToArray();
        var parser = new XmppStreamParser(ParserHarness.Options());

        var error = Assert.Throws<XmppStreamException>(() => ParserHarness.ParseSequence(new System.Buffers.ReadOnlySequence<byte>(data), parser));

        Assert.Equal(StreamErrorCondition.NotWellFormed, error.Condition);
    }
}
