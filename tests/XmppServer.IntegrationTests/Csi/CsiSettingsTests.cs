using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.Csi;

/// <summary>Xmpp:Csi:MaxHeldStanzas bounds what an inactive client's session holds.</summary>
public sealed class CsiSettingsTests : AliceAndBobTests
{
    protected override IDictionary<string, string?>? Settings { get; } = new Dictionary<string, string?>
    {
        ["Xmpp:Csi:MaxHeldStanzas"] = "3",
    };

    [Fact]
    public async Task Inactive_BufferReachesMaxHeldStanzas_EverythingHeldIsDelivered()
    {
        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "b");
        await using var alice = await XmppTestClient.LoginAvailableAsync(Server, Alice, resource: "phone");
        await alice.SendAsync($"<enable xmlns='{CsiTests.Sm}'/>");
        await alice.ExpectAsync(e => e.Is("enabled", CsiTests.Sm), "<enabled/>");
        await alice.SendAsync($"<inactive xmlns='{CsiTests.Csi}'/>");
        await alice.SyncAsync(); // handled before anything is sent to it: bob's stanzas race it otherwise

        await bob.SendAsync(ChatState("c1") + ChatState("c2"));
        await bob.SyncAsync();
        Assert.Empty(await CsiTests.StanzasBeforeAcknowledgementAsync(alice));

        await bob.SendAsync(ChatState("c3"));
        await bob.SyncAsync();

        Assert.Equal(["c1", "c2", "c3"], (await CsiTests.StanzasBeforeAcknowledgementAsync(alice)).Select(s => s.Id));
    }

    private static string ChatState(string id)
        => $"<message to='alice@localhost/phone' type='chat' id='{id}'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>";
}
