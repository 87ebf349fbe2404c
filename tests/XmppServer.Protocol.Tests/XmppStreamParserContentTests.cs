using XmppServer.Protocol.Tests.Testing;

namespace XmppServer.Protocol.Tests;

public class XmppStreamParserContentTests
{
    [Fact]
    public void Parser_TopLevelStanza_InheritsContentNamespace()
    {
        var element = ParserHarness.ParseStanza("<message><body>hi</body></message>");

        Assert.True(element.Is("message", Namespaces.Client));
        Assert.True(element.FirstElement()!.Is("body", Namespaces.Client));
    }

    [Fact]
    public void Parser_NestedDefaultNamespace_AppliesToDescendantsOnly()
    {
        var element = ParserHarness.ParseStanza("<iq><query xmlns='jabber:iq:roster'><item jid='a@b'/></query><after/></iq>");

        var query = element.Element("query", Namespaces.Roster)!;
        Assert.True(query.FirstElement()!.Is("item", Namespaces.Roster));
        Assert.NotNull(element.Element("after", Namespaces.Client)); // scope restored after </query>
        Assert.Empty(query.Attributes);
    }

    [Fact]
    public void Parser_PrefixedElement_ResolvesToDeclaredNamespace()
    {
        var element = ParserHarness.ParseStanza("<message><x:foo xmlns:x='urn:a'><x:bar/><baz/></x:foo></message>");

        var foo = element.Element("foo", "urn:a")!;
        Assert.NotNull(foo.Element("bar", "urn:a"));
        Assert.NotNull(foo.Element("baz", Namespaces.Client)); // the default namespace is untouched by the prefix
        Assert.Empty(foo.Attributes);
    }

    [Fact]
    public void Parser_PrefixedAttribute_ResolvesToItsNamespace()
    {
        var element = ParserHarness.ParseStanza("<message xmlns:a='urn:a' a:x='1' x='2'/>");

        Assert.Equal("1", element.GetAttribute("x", "urn:a"));
        Assert.Equal("2", element.GetAttribute("x"));
    }

    [Fact]
    public void Parser_PrefixDeclaredOnHeader_IsInScopeForStanzas()
    {
        var input = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' xmlns:my='urn:mine'>" +
            "<my:thing my:attr='v'/><stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>";

        var events = ParserHarness.ParseWhole(input);

        Assert.True(events[1].Element!.Is("thing", "urn:mine"));
        Assert.Equal("v", events[1].Element!.GetAttribute("attr", "urn:mine"));
        Assert.True(events[2].Element!.Is("error", Namespaces.Streams));
        Assert.True(events[2].Element!.FirstElement()!.Is("host-unknown", Namespaces.StreamErrors));
    }

    [Fact]
    public void Parser_PrefixRedeclaredInner_ShadowsOuterThenRestores()
    {
        var element = ParserHarness.ParseStanza("<p:a xmlns:p='urn:1'><p:b xmlns:p='urn:2'><p:c/></p:b><p:d/></p:a>");

        Assert.True(element.Is("a", "urn:1"));
        var b = element.Element("b", "urn:2")!;
        Assert.NotNull(b.Element("c", "urn:2"));
        Assert.NotNull(element.Element("d", "urn:1"));
    }

    [Fact]
    public void Parser_EmptyDefaultNamespaceDeclaration_PutsElementInNoNamespace()
    {
        var element = ParserHarness.ParseStanza("<message><x xmlns=''><y/></x></message>");

        var x = element.Element("x", string.Empty)!;
        Assert.NotNull(x.Element("y", string.Empty));
    }

    [Fact]
    public void Parser_XmlPrefix_IsBuiltIn()
    {
        var element = ParserHarness.ParseStanza("<message xmlns:xml='http://www.w3.org/XML/1998/namespace' xml:lang='it' xml:space='preserve'/>");

        Assert.Equal("it", element.GetAttribute("lang", Namespaces.Xml));
        Assert.Equal("preserve", element.GetAttribute("space", Namespaces.Xml));
    }

    [Fact]
    public void Parser_PrefixedAndUnprefixedSameLocalName_AreDistinctAttributes()
    {
        var element = ParserHarness.ParseStanza("<message xmlns:a='urn:a' xmlns:b='urn:b' a:x='1' b:x='2' x='3'/>");

        Assert.Equal("1", element.GetAttribute("x", "urn:a"));
        Assert.Equal("2", element.GetAttribute("x", "urn:b"));
        Assert.Equal("3", element.GetAttribute("x"));
    }

    [Theory]
    [InlineData("&lt;", "<")]
    [InlineData("&gt;", ">")]
    [InlineData("&amp;", "&")]
    [InlineData("&quot;", "\"")]
    [InlineData("&apos;", "'")]
    [InlineData("&#65;", "A")]
    [InlineData("&#x41;", "A")]
    [InlineData("&#x00041;", "A")]
    [InlineData("&#xe9;&#XE9;", null)]
    [InlineData("&#233;", "é")]
    [InlineData("&#x1F600;", "😀")]
    [InlineData("&#128512;", "😀")]
    [InlineData("&#x10FFFF;", "\U0010FFFF")]
    [InlineData("&#9;&#10;&#13;", "\t\n\r")]
    [InlineData("a&amp;b&lt;c", "a&b<c")]
    public void Parser_ReferencesInText_AreDecoded(string raw, string? expected)
    {
        if (expected is null)
        {
            Assert.Equal(StreamErrorCondition.NotWellFormed, ParserHarness.ParseError(ParserHarness.Header + $"<message><body>{raw}</body></message>").Condition);
            return;
        }

        var body = ParserHarness.ParseStanza($"<message><body>{raw}</body></message>").FirstElement()!;

        Assert.Equal(expected, Assert.IsType<XmppText>(Assert.Single(body.Nodes)).Value);
    }

    [Theory]
    [InlineData("&lt;&gt;&amp;&quot;&apos;", "<>&\"'")]
    [InlineData("&#x1F600;", "😀")]
    [InlineData("a\"b", "a\"b")]
    [InlineData(">", ">")]
    public void Parser_ReferencesInAttribute_AreDecoded(string raw, string expected)
    {
        var element = ParserHarness.ParseStanza($"<message to='{raw}'/>");

        Assert.Equal(expected, element.To);
    }

    [Fact]
    public void Parser_TextSplitByReferencesAndCData_IsOneTextNode()
    {
        var body = ParserHarness.ParseStanza("<message><body>one &amp; two<![CDATA[ <three> ]]>four&#x21;</body></message>").FirstElement()!;

        var text = Assert.IsType<XmppText>(Assert.Single(body.Nodes));
        Assert.Equal("one & two <three> four!", text.Value);
    }

    [Fact]
    public void Parser_WhitespaceBetweenChildren_IsKept()
    {
        var element = ParserHarness.ParseStanza("<message>\n  <body>hi</body>\n  <thread>t</thread>\n</message>");

        Assert.Equal(5, element.Nodes.Count);
        Assert.Equal("\n  ", Assert.IsType<XmppText>(element.Nodes[0]).Value);
        Assert.Equal("\n", Assert.IsType<XmppText>(element.Nodes[4]).Value);
    }

    [Theory]
    [InlineData("a\r\nb", "a\nb")]
    [InlineData("a\rb", "a\nb")]
    [InlineData("a\r\r\nb", "a\n\nb")]
    [InlineData("a\n\rb\r", "a\n\nb\n")]
    [InlineData("a&#13;\nb", "a\r\nb")]
    [InlineData("<![CDATA[a\r\nb]]>", "a\nb")]
    public void Parser_LineEndsInText_AreNormalisedToLf(string raw, string expected)
    {
        var body = ParserHarness.ParseStanza($"<message><body>{raw}</body></message>").FirstElement()!;

        Assert.Equal(expected, body.Text);
    }

    [Theory]
    [InlineData("a\tb", "a b")]
    [InlineData("a\nb", "a b")]
    [InlineData("a\rb", "a b")]
    [InlineData("a\r\nb", "a b")]
    [InlineData("  a  ", "  a  ")]
    [InlineData("a&#9;b&#10;c&#13;d", "a\tb\nc\rd")]
    [InlineData("a\t&amp;\nb", "a & b")]
    public void Parser_WhitespaceInAttributeValue_IsNormalisedToSpaces(string raw, string expected)
    {
        var element = ParserHarness.ParseStanza($"<message id='{raw}'/>");

        Assert.Equal(expected, element.Id);
    }

    [Fact]
    public void Parser_SingleBracketsAndGreaterThanInText_AreAllowed()
    {
        var body = ParserHarness.ParseStanza("<message><body>a ] b ]] c > d ]]</body></message>").FirstElement()!;

        Assert.Equal("a ] b ]] c > d ]]", body.Text);
    }

    [Fact]
    public void Parser_CDataWithBracketsBeforeEnd_EndsAtFirstTerminator()
    {
        var body = ParserHarness.ParseStanza("<message><body><![CDATA[x]]]]><![CDATA[>y]]]></body></message>").FirstElement()!;

        Assert.Equal("x]]>y]", body.Text);
    }

    [Fact]
    public void Parser_NonAsciiText_IsDecoded()
    {
        var body = ParserHarness.ParseStanza("<message><body>Grüße, 日本語, Ελληνικά, 😀👍🏽</body></message>").FirstElement()!;

        Assert.Equal("Grüße, 日本語, Ελληνικά, 😀👍🏽", body.Text);
    }

    [Fact]
    public void Parser_SingleAndDoubleQuotedAttributes_AreBothAccepted()
    {
        var element = ParserHarness.ParseStanza("<message to=\"it's\" from='say \"hi\"' id = 'x' />");

        Assert.Equal("it's", element.To);
        Assert.Equal("say \"hi\"", element.From);
        Assert.Equal("x", element.Id);
    }

    [Fact]
    public void Parser_EndTagWithTrailingWhitespace_IsAccepted()
    {
        var element = ParserHarness.ParseStanza("<message\n><body\t>hi</body  ></message\r\n>");

        Assert.Equal("hi", element.FirstElement()!.Text);
    }
}
