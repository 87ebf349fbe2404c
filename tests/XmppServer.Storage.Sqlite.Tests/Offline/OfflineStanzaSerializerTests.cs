using XmppServer.Protocol;
using XmppServer.Storage.Sqlite.Offline;

namespace XmppServer.Storage.Sqlite.Tests.Offline;

public sealed class OfflineStanzaSerializerTests
{
    [Fact]
    public void Serialize_Message_StandaloneWithNamespace()
    {
        var message = new XmppElement("message", Namespaces.Client) { To = "juliet@capulet.lit" };
        message.AddElement("body").AddText("a<b");

        var xml = OfflineStanzaSerializer.Serialize(message);

        Assert.Equal("<message xmlns='jabber:client' to='juliet@capulet.lit'><body>a&lt;b</body></message>", xml);
    }

    [Fact]
    public void Deserialize_SerializedMessage_RoundTrips()
    {
        var message = new XmppElement("message", Namespaces.Client) { To = "juliet@capulet.lit", Type = "chat" };
        message.AddElement("body").AddText("line1\r\nline2 & 'more'");
        message.AddElement("delay", Namespaces.Delay).SetAttribute("stamp", "2002-09-10T23:08:25Z");

        var parsed = OfflineStanzaSerializer.Deserialize(OfflineStanzaSerializer.Serialize(message));

        Assert.NotNull(parsed);
        Assert.True(parsed.DeepEquals(message), parsed.ToString());
    }

    [Fact]
    public void Deserialize_StanzaAcceptedAtTheLimits_StillRoundTrips()
    {
        // Accepted from the network: 40 attributes in a namespace declared once on the stanza, and the longest
        // attribute value. The writer declares a prefix per foreign attribute, so the stored form has 80 attributes,
        // more than a stream would accept on one element; it was checked when it arrived and must load all the same.
        var limits = new XmppParserOptions();
        var message = new XmppElement("message", Namespaces.Client) { To = "juliet@capulet.lit", Id = new string('i', limits.MaxAttributeValueLength) };
        var payload = message.AddElement("x", "urn:example:x");
        for (var i = 0; i < 40; i++)
        {
            payload.SetAttribute("a" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), "urn:example:attributes", "v");
        }

        message.AddElement("body").AddText(new string('<', limits.MaxTextLength));

        var parsed = OfflineStanzaSerializer.Deserialize(OfflineStanzaSerializer.Serialize(message));

        Assert.NotNull(parsed);
        Assert.True(parsed.DeepEquals(message));
    }

    [Theory]
    [InlineData("<message xmlns='jabber:client'><body>unclosed</message>")]
    [InlineData("<message xmlns='jabber:client'><!-- comment --></message>")]
    [InlineData("<message xmlns='jabber:client'>")]
    [InlineData("")]
    public void Deserialize_NotOneWellFormedElement_Null(string xml)
    {
        Assert.Null(OfflineStanzaSerializer.Deserialize(xml));
    }
}
