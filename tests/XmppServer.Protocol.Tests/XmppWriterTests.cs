using System.Buffers;
using System.Text;
using XmppServer.Protocol.Tests.Testing;

namespace XmppServer.Protocol.Tests;

public class XmppWriterTests
{
    [Fact]
    public void Writer_TextSpecials_AreEscaped()
    {
        var element = new XmppElement("body", Namespaces.Client).AddText("a & b < c > d \"e\" 'f' \r\n\t]]>");

        Assert.Equal("<body>a &amp; b &lt; c &gt; d \"e\" 'f' &#xD;\n\t]]&gt;</body>", Write(element, Namespaces.Client));
    }

    [Fact]
    public void Writer_AttributeSpecials_AreEscaped()
    {
        var element = new XmppElement("message", Namespaces.Client).SetAttribute("id", "a & b < c > d \"e\" 'f' \r\n\t");

        Assert.Equal("<message id='a &amp; b &lt; c &gt; d &quot;e&quot; &apos;f&apos; &#xD;&#xA;&#x9;'/>", Write(element, Namespaces.Client));
    }

    [Fact]
    public void Writer_EscapedValues_ParseBackUnchanged()
    {
        const string Tricky = "a & b < c > d \"e\" 'f' \r\n\t \r x\ry ]]> &amp;";
        var element = new XmppElement("message", Namespaces.Client).SetAttribute("id", Tricky);
        element.AddElement("body").AddText(Tricky);

        var parsed = ParserHarness.ParseStanza(Write(element, Namespaces.Client));

        Assert.Equal(Tricky, parsed.Id);
        Assert.Equal(Tricky, parsed.ElementText("body", Namespaces.Client));
    }

    [Fact]
    public void Writer_DefaultNamespaceEqualToInScope_IsOmitted()
    {
        var element = new XmppElement("iq", Namespaces.Client);
        element.AddElement("query", Namespaces.Roster).AddElement("item").SetAttribute("jid", "a@b");

        Assert.Equal("<iq><query xmlns='jabber:iq:roster'><item jid='a@b'/></query></iq>", Write(element, Namespaces.Client));
    }

    [Theory]
    [InlineData(Namespaces.Client, Namespaces.Server)]
    [InlineData(Namespaces.Server, Namespaces.Client)]
    public void Writer_JabberClientAndServer_AreEquivalentContentNamespaces(string elementNamespace, string streamNamespace)
    {
        var element = new XmppElement("message", elementNamespace);
        element.AddElement("body").AddText("hi");

        Assert.Equal("<message><body>hi</body></message>", Write(element, streamNamespace));
    }

    [Fact]
    public void Writer_ElementInNoNamespaceUnderDefault_UndeclaresDefault()
    {
        var element = new XmppElement("message", Namespaces.Client);
        element.AddElement("x", string.Empty);

        Assert.Equal("<message><x xmlns=''/></message>", Write(element, Namespaces.Client));
    }

    [Fact]
    public void Writer_StreamNamespaceElement_UsesStreamPrefix()
    {
        var error = XmppErrors.StreamError(StreamErrorCondition.HostUnknown);

        var written = Write(error, Namespaces.Client);

        Assert.StartsWith("<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>", written, StringComparison.Ordinal);
        Assert.EndsWith("</stream:error>", written, StringComparison.Ordinal);
        Assert.DoesNotContain("xmlns:stream", written, StringComparison.Ordinal);
    }

    [Fact]
    public void Writer_ElementInXmlNamespace_KeepsTheXmlPrefixAndParsesBack()
    {
        // Found by the fuzz target (regressions/writer-element-in-xml-namespace.xml): the XML namespace may not be a
        // default namespace (Namespaces in XML §3), so xmlns='http://www.w3.org/XML/1998/namespace' was rejected.
        var stanza = ParserHarness.ParseStanza("<message><xml:note xml:lang='de'><b/>x</xml:note></message>");
        var note = stanza.FirstElement()!;
        Assert.Equal(Namespaces.Xml, note.Namespace);

        var written = Write(stanza, Namespaces.Client);

        Assert.Equal("<message xml:lang='en'><xml:note xml:lang='de'><b/>x</xml:note></message>", written);
        Assert.True(stanza.DeepEquals(ParserHarness.ParseStanza(written)));
    }

    [Fact]
    public void Writer_Standalone_DeclaresEverything()
    {
        var features = new XmppElement("features", Namespaces.Streams);
        features.AddElement("starttls", Namespaces.Tls);
        var message = new XmppElement("message", Namespaces.Client);

        Assert.Equal(
            "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>",
            Write(features, string.Empty));
        Assert.Equal("<message xmlns='jabber:client'/>", Write(message, string.Empty));
    }

    [Fact]
    public void Writer_XmlLangAndForeignNamespaceAttributes_AreWrittenWithPrefixes()
    {
        var element = new XmppElement("auth", Namespaces.Sasl)
            .SetAttribute("lang", Namespaces.Xml, "en")
            .SetAttribute("client-uses-full-bind-result", "http://www.google.com/talk/protocol/auth", "true");

        var written = Write(element, Namespaces.Client);

        Assert.Contains(" xml:lang='en'", written, StringComparison.Ordinal);
        Assert.DoesNotContain("xmlns:xml", written, StringComparison.Ordinal);
        Assert.True(element.DeepEquals(ParserHarness.ParseStanza(written)));
    }

    [Fact]
    public void Writer_NonAsciiAndSurrogatePairs_AreUtf8()
    {
        const string Text = "é 日本 😀 👍🏽";
        var element = new XmppElement("body", Namespaces.Client).SetAttribute("id", Text).AddText(Text);

        var bytes = WriteBytes(element, Namespaces.Client);

        var expected = Encoding.UTF8.GetBytes($"<body id='{Text}'>{Text}</body>");
        Assert.Equal(expected, bytes);
        Assert.Equal([0xF0, 0x9F, 0x98, 0x80], Encoding.UTF8.GetBytes("😀"));
    }

    [Theory]
    [InlineData(2047)] // a surrogate pair straddles the 2048-char chunk boundary
    [InlineData(2048)]
    [InlineData(5000)]
    [InlineData(100_000)]
    public void Writer_LongStrings_AreWrittenWholeAcrossChunks(int prefixLength)
    {
        var text = new string('a', prefixLength) + "😀" + string.Concat(Enumerable.Repeat("é😀&x", 1500)) + "z";
        var element = new XmppElement("body", Namespaces.Client).SetAttribute("id", text).AddText(text);

        var bytes = WriteBytes(element, Namespaces.Client);

        var escaped = text.Replace("&", "&amp;", StringComparison.Ordinal);
        Assert.Equal(Encoding.UTF8.GetBytes($"<body id='{escaped}'>{escaped}</body>"), bytes);
        Assert.Equal(text, ParserHarness.ParseStanza(Encoding.UTF8.GetString(bytes)).Text);
    }

    [Fact]
    public void Writer_SmallSegmentsOutput_ProducesSameBytes()
    {
        var element = new XmppElement("body", Namespaces.Client).AddText(string.Concat(Enumerable.Repeat("😀ab&", 3000)));
        var expected = WriteBytes(element, Namespaces.Client);
        var output = new SmallSpanWriter();

        XmppWriter.WriteElement(output, element, Namespaces.Client);

        Assert.Equal(expected, output.Written.ToArray());
    }

    [Fact]
    public void Writer_StreamHeaderAndEnd_ParseBack()
    {
        var output = new ArrayBufferWriter<byte>();
        XmppWriter.WriteStreamHeader(output, Namespaces.Client, "example.com", "juliet@example.com", "s1'd", "en");
        XmppWriter.WriteWhitespaceKeepalive(output);
        XmppWriter.WriteStreamEnd(output);
        var parser = new XmppStreamParser(ParserHarness.Options());

        var events = ParserHarness.ParseSequence(new ReadOnlySequence<byte>(output.WrittenMemory), parser);

        Assert.Equal(2, events.Count);
        var header = events[0].Element!;
        Assert.True(header.Is("stream", Namespaces.Streams));
        Assert.Equal("example.com", header.From);
        Assert.Equal("juliet@example.com", header.To);
        Assert.Equal("s1'd", header.Id);
        Assert.Equal(Namespaces.Client, parser.ContentNamespace);
        Assert.Equal("en", parser.StreamLanguage);
        Assert.Equal(XmppStreamEventKind.StreamEnd, events[1].Kind);
    }

    [Theory]
    [MemberData(nameof(XmppStreamParserFixtureTests.Fixtures), MemberType = typeof(XmppStreamParserFixtureTests))]
    public void Writer_RoundTripOfFixture_ParsesToEqualTrees(string fixture)
    {
        var parser = new XmppStreamParser(ParserHarness.Options());
        var original = ParserHarness.ParseSequence(new ReadOnlySequence<byte>(ParserHarness.Utf8(ClientTraffic.Get(fixture))), parser);
        var stanzas = original.Where(e => e.Kind == XmppStreamEventKind.Element).Select(e => e.Element!).ToList();

        // In stream context: the stanzas rely on the header's default namespace and stream: prefix.
        var output = new ArrayBufferWriter<byte>();
        XmppWriter.WriteStreamHeader(output, parser.ContentNamespace!, "example.com", null, "id1", parser.StreamLanguage);
        foreach (var stanza in stanzas)
        {
            XmppWriter.WriteElement(output, stanza, parser.ContentNamespace!);
        }

        XmppWriter.WriteStreamEnd(output);
        var reparsed = ParserHarness.ParseSequence(new ReadOnlySequence<byte>(output.WrittenMemory), new XmppStreamParser(ParserHarness.Options()));

        ParserHarness.AssertSameEvents(original.Skip(1).Where(e => e.Kind == XmppStreamEventKind.Element).ToList(), reparsed.Skip(1).SkipLast(1).ToList());

        // Standalone: every element declares what it uses.
        foreach (var stanza in stanzas)
        {
            var standalone = Write(stanza, string.Empty);
            var events = ParserHarness.ParseWhole("<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>" + standalone);
            Assert.True(stanza.DeepEquals(events[1].Element!), standalone);
        }
    }

    private static string Write(XmppElement element, string inScopeNamespace) => Encoding.UTF8.GetString(WriteBytes(element, inScopeNamespace));

    private static byte[] WriteBytes(XmppElement element, string inScopeNamespace)
    {
        var output = new ArrayBufferWriter<byte>();
        XmppWriter.WriteElement(output, element, inScopeNamespace);
        return output.WrittenSpan.ToArray();
    }

    // Hands out exactly the size asked for, so every write lands at a buffer boundary.
    private sealed class SmallSpanWriter : IBufferWriter<byte>
    {
        private readonly ArrayBufferWriter<byte> _inner = new();

        public ReadOnlyMemory<byte> Written => _inner.WrittenMemory;

        public void Advance(int count) => _inner.Advance(count);

        public Memory<byte> GetMemory(int sizeHint = 0) => _inner.GetMemory(sizeHint)[..Math.Max(sizeHint, 1)];

        public Span<byte> GetSpan(int sizeHint = 0) => _inner.GetSpan(sizeHint)[..Math.Max(sizeHint, 1)];
    }
}
