using System.Text;
using XmppServer.LoadTest.Xml;

namespace XmppServer.LoadTest.Tests;

public class MiniElementTests
{
    private static MiniElement Parse(string xml) => MiniElement.Parse(Encoding.UTF8.GetBytes(xml), "jabber:client");

    [Fact]
    public void Parse_StreamFeatures_ResolvesStreamPrefixAndDefaultNamespaces()
    {
        var features = Parse(
            "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism>"
            + "<mechanism>PLAIN</mechanism></mechanisms><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>");

        Assert.True(features.Is("features", "http://etherx.jabber.org/streams"));
        var mechanisms = features.Child("mechanisms", "urn:ietf:params:xml:ns:xmpp-sasl");
        Assert.NotNull(mechanisms);
        Assert.Equal(["SCRAM-SHA-1", "PLAIN"], mechanisms.Children.Select(m => m.Text));
        Assert.All(mechanisms.Children, m => Assert.Equal("urn:ietf:params:xml:ns:xmpp-sasl", m.Namespace));
        Assert.NotNull(features.Child("bind", "urn:ietf:params:xml:ns:xmpp-bind"));
    }

    [Fact]
    public void Parse_Message_DecodesEntitiesInTextAndAttributes()
    {
        var message = Parse("<message from='a&amp;b@h' type=\"chat\"><body>1 &lt; 2 &#x263A; &#65;&apos;&quot;&gt;</body></message>");

        Assert.Equal("a&b@h", message.Attribute("from"));
        Assert.Equal("chat", message.Attribute("type"));
        Assert.Equal("jabber:client", message.Namespace);
        Assert.Equal("1 < 2 \u263A A'\">", message.Child("body")!.Text);
    }

    [Fact]
    public void Parse_PrefixDeclaredInFrame_ResolvesIt()
    {
        var iq = Parse("<iq type='get' xmlns:p='urn:xmpp:ping'><p:ping/></iq>");

        Assert.True(iq.FirstChild!.Is("ping", "urn:xmpp:ping"));
    }

    [Fact]
    public void Parse_NonAsciiText_RoundTripsUtf8()
    {
        var message = Parse("<message><body>grüße, 世界</body></message>");

        Assert.Equal("grüße, 世界", message.Child("body")!.Text);
    }

    [Fact]
    public void ParseStartTag_StreamHeader_ReadsAttributes()
    {
        var header = MiniElement.ParseStartTag(
            "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='abc' version='1.0'>"u8);

        Assert.Equal("stream", header.Name);
        Assert.Equal("http://etherx.jabber.org/streams", header.Namespace);
        Assert.Equal("abc", header.Attribute("id"));
        Assert.Null(header.Attribute("from"));
    }

    [Theory]
    [InlineData("<message><body>unterminated")]
    [InlineData("<message to=unquoted/>")]
    [InlineData("<message><body>&bogus;</body></message>")]
    public void Parse_Malformed_Throws(string xml)
    {
        Assert.Throws<InvalidDataException>(() => Parse(xml));
    }

    [Fact]
    public void Escape_SpecialCharacters_AreEntities()
    {
        Assert.Equal("a&lt;b&gt;c&amp;d&apos;e&quot;f", XmlEscape.Escape("a<b>c&d'e\"f"));
        Assert.Same("plain", XmlEscape.Escape("plain"));
    }
}
