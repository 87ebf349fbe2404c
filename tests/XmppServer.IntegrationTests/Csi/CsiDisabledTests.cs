using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.Csi;

/// <summary>With Xmpp:Csi:Enabled off, the server neither offers nor understands CSI.</summary>
public sealed class CsiDisabledTests : AliceAndBobTests
{
    protected override IDictionary<string, string?>? Settings { get; } = new Dictionary<string, string?>
    {
        ["Xmpp:Csi:Enabled"] = "false",
    };

    [Fact]
    public async Task Features_AfterAuthentication_DoNotOfferCsi_AndInactiveIsAnUnsupportedElement()
    {
        await using var client = await XmppTestClient.ConnectAsync(Server);
        await client.OpenStreamAsync();
        await client.StartTlsAsync();
        await client.SendAsync("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + Convert.ToBase64String("\0alice\0secret"u8) + "</auth>");
        await client.NextElementAsync();
        var features = await client.OpenStreamAfterSaslAsync();
        Assert.Null(features.Element("csi", CsiTests.Csi));
        await client.BindAsync("phone");

        await client.SendAsync($"<inactive xmlns='{CsiTests.Csi}'/>");

        // RFC 6120 §4.9.3.24: a top-level element the server does not understand.
        await client.ExpectStreamErrorAsync(StreamErrorCondition.UnsupportedStanzaType);
    }
}
