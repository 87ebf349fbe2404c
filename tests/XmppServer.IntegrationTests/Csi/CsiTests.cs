using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.Csi;

/// <summary>
/// XEP-0352 Client State Indication over real sockets: alice's phone goes inactive while bob sends presence updates,
/// chat states and messages. Whether something is held is observed through XEP-0198: alice asks for an
/// acknowledgement, and the answer is not a stanza, so it passes held stanzas without releasing them.
/// </summary>
public sealed class CsiTests : AliceAndBobTests
{
    internal const string Csi = "urn:xmpp:csi:0";
    internal const string Sm = "urn:xmpp:sm:3";
    private const string ChatStates = "http://jabber.org/protocol/chatstates";

    [Fact]
    public async Task Features_AfterAuthentication_OfferCsi_AndNotBefore()
    {
        await using var client = await XmppTestClient.ConnectAsync(Server);
        await client.OpenStreamAsync();
        var beforeAuthentication = await client.StartTlsAsync();
        Assert.Null(beforeAuthentication.Element("csi", Csi));
        await client.SendAsync("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + Convert.ToBase64String("\0alice\0secret"u8) + "</auth>");
        await client.NextElementAsync();

        var features = await client.OpenStreamAfterSaslAsync();

        Assert.NotNull(features.Element("csi", Csi));
    }

    [Fact]
    public async Task Inactive_HoldsPresenceAndChatStates_KeepsLatestPresencePerContact_BodyMessageArrivesAfterThemInOrder()
    {
        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "b");
        await using var alice = await LoginInactivePhoneAsync();

        await bob.SendAsync(
            "<presence to='alice@localhost/phone' id='p1'><show>away</show></presence>"
            + $"<message to='alice@localhost/phone' type='chat' id='c1'><composing xmlns='{ChatStates}'/></message>"
            + "<presence to='alice@localhost/phone' id='p2'><show>dnd</show></presence>"
            + $"<message to='alice@localhost/phone' type='chat' id='c2'><paused xmlns='{ChatStates}'/></message>"
            + "<message to='alice@localhost/phone' id='r1'><received xmlns='urn:xmpp:receipts' id='earlier'/></message>");
        await bob.SyncAsync();

        Assert.Empty(await StanzasBeforeAcknowledgementAsync(alice));

        await bob.SendAsync("<message to='alice@localhost/phone' type='chat' id='m1'><body>wake up</body></message>");

        // p1 was replaced by p2, which comes after what bob sent between them.
        Assert.Equal(["c1", "p2", "c2", "r1", "m1"], await StanzaIdsUntilAsync(alice, "m1"));
        Assert.Empty(await StanzasBeforeAcknowledgementAsync(alice));
    }

    [Fact]
    public async Task Active_DeliversWhatWasHeld_BeforeTheAnswerToTheNextRequest_AndHoldsNothingAfter()
    {
        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "b");
        await using var alice = await LoginInactivePhoneAsync();
        await bob.SendAsync(
            "<presence to='alice@localhost/phone' id='p1'><show>away</show></presence>"
            + $"<message to='alice@localhost/phone' type='chat' id='c1'><composing xmlns='{ChatStates}'/></message>");
        await bob.SyncAsync();
        Assert.Empty(await StanzasBeforeAcknowledgementAsync(alice));

        // XEP-0352 §5.1: the flush happens before the server answers what the client sends next.
        await alice.SendAsync($"<active xmlns='{Csi}'/><iq type='get' id='ping1' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>");

        Assert.Equal(["p1", "c1", "ping1"], await StanzaIdsUntilAsync(alice, "ping1"));
        await bob.SendAsync($"<message to='alice@localhost/phone' type='chat' id='c2'><paused xmlns='{ChatStates}'/></message>");
        await bob.SyncAsync();
        Assert.Equal(["c2"], (await StanzasBeforeAcknowledgementAsync(alice)).Select(s => s.Id));
    }

    [Fact]
    public async Task Inactive_IqAndSubscriptionRequest_ArriveAtOnce_AfterWhatWasHeld()
    {
        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "b");
        await using var alice = await LoginInactivePhoneAsync();

        await bob.SendAsync(
            $"<message to='alice@localhost/phone' type='chat' id='c1'><composing xmlns='{ChatStates}'/></message>"
            + "<presence to='alice@localhost' type='subscribe' id='s1'/>"
            + $"<message to='alice@localhost/phone' type='chat' id='c2'><paused xmlns='{ChatStates}'/></message>"
            + "<iq to='alice@localhost/phone' type='get' id='v1'><query xmlns='jabber:iq:version'/></iq>");

        Assert.Equal(["c1", "s1", "c2", "v1"], await StanzaIdsUntilAsync(alice, "v1"));
    }

    [Fact]
    public async Task ResumedStream_StartsActive_AndWhatWasHeldFollowsTheResumption()
    {
        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "b");
        var alice = await XmppTestClient.LoginAvailableAsync(Server, Alice, resource: "phone");
        await alice.SendAsync($"<enable xmlns='{Sm}' resume='true'/>");
        var id = (await alice.ExpectAsync(e => e.Is("enabled", Sm), "<enabled/>")).GetAttribute("id")!;
        await alice.SendAsync($"<inactive xmlns='{Csi}'/>");
        // The server has taken it in before bob sends: his stanzas are routed by another connection.
        await alice.SyncAsync();
        await bob.SendAsync(
            "<presence to='alice@localhost/phone' id='p1'><show>away</show></presence>"
            + $"<message to='alice@localhost/phone' type='chat' id='c1'><composing xmlns='{ChatStates}'/></message>");
        await bob.SyncAsync();
        Assert.Empty(await StanzasBeforeAcknowledgementAsync(alice));

        // The phone loses its connection; bob's next update waits in the hibernating session, replacing p1.
        await alice.AbortAsync();
        await bob.SendAsync("<presence to='alice@localhost/phone' id='p2'><show>dnd</show></presence>");
        await bob.SyncAsync();

        await using var resumed = await XmppTestClient.ConnectAsync(Server);
        await resumed.OpenStreamAsync();
        await resumed.StartTlsAsync();
        await resumed.AuthenticatePlainAsync("alice", "secret");
        // h='1': the answer to the sync after <inactive/> is all the phone received since <enabled/>.
        await resumed.SendAsync($"<resume xmlns='{Sm}' previd='{id}' h='1'/>");
        var answer = await resumed.NextElementAsync();
        Assert.True(answer.Is("resumed", Sm), answer.ToString());

        // XEP-0352 §5.2: the resumed stream is active, so what was held arrives without asking.
        Assert.Equal(["c1", "p2"], (await StanzasBeforeAcknowledgementAsync(resumed)).Select(s => s.Id));
        await bob.SendAsync($"<message to='alice@localhost/phone' type='chat' id='c2'><paused xmlns='{ChatStates}'/></message>");
        await bob.SyncAsync();
        Assert.Equal(["c2"], (await StanzasBeforeAcknowledgementAsync(resumed)).Select(s => s.Id));
    }

    [Fact]
    public async Task SessionEndsWhileInactive_HeldReceiptGoesOffline_HeldPresenceAndChatStateDoNot()
    {
        await using var bob = await XmppTestClient.LoginAvailableAsync(Server, Bob, resource: "b");
        var phone = await XmppTestClient.LoginAvailableAsync(Server, Alice, resource: "phone");

        // Directed presence (RFC 6121 §4.6): bob hears alice's unavailable presence once her session has ended,
        // after what it left behind was routed again.
        await phone.SendAsync("<presence to='bob@localhost/b'/>");
        await bob.ExpectAsync(e => e.Name == "presence" && e.From == "alice@localhost/phone" && e.Type is null, "alice's directed presence");
        await phone.SendAsync($"<inactive xmlns='{Csi}'/>");
        await phone.SyncAsync();
        await bob.SendAsync(
            "<presence to='alice@localhost/phone' id='p1'><show>away</show></presence>"
            + $"<message to='alice@localhost/phone' type='chat' id='c1'><composing xmlns='{ChatStates}'/></message>"
            + "<message to='alice@localhost/phone' type='chat' id='r1'><received xmlns='urn:xmpp:receipts' id='earlier'/></message>");
        await bob.SyncAsync();

        await phone.AbortAsync();
        await bob.ExpectAsync(e => e.Name == "presence" && e.From == "alice@localhost/phone" && e.Type == "unavailable", "alice's unavailable presence");

        await using var laptop = await XmppTestClient.LoginAsync(Server, Alice, resource: "laptop");
        await laptop.SendAsync("<presence/>");
        var fromBob = (await laptop.CollectUntilSyncAsync()).Where(e => e.From?.StartsWith("bob@", StringComparison.Ordinal) == true).ToList();

        // XEP-0160 §3 and XEP-0085 §5.8: the chat state is not stored; RFC 6121 §8.5.3.2.2: the presence is dropped.
        var receipt = Assert.Single(fromBob);
        Assert.Equal("r1", receipt.Id);
        Assert.Single(receipt.Elements("delay", Namespaces.Delay));
    }

    [Fact]
    public async Task Inactive_ClientThatSaysSoTwice_StillHoldsAndDeliversOnce()
    {
        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "b");
        await using var alice = await LoginInactivePhoneAsync();
        await bob.SendAsync("<presence to='alice@localhost/phone' id='p1'><show>away</show></presence>");
        await bob.SyncAsync();

        await alice.SendAsync($"<inactive xmlns='{Csi}'/>");

        Assert.Empty(await StanzasBeforeAcknowledgementAsync(alice));
        await alice.SendAsync($"<active xmlns='{Csi}'/><active xmlns='{Csi}'/>");
        Assert.Equal(["p1"], (await StanzasBeforeAcknowledgementAsync(alice)).Select(s => s.Id));
    }

    /// <summary>alice's phone, logged in with stream management, gone inactive (XEP-0352 §4).</summary>
    private async Task<XmppTestClient> LoginInactivePhoneAsync()
    {
        var phone = await LoginWithStreamManagementAsync("phone");
        await phone.SendAsync($"<inactive xmlns='{Csi}'/>");

        // The server has taken it in before anyone else sends: their stanzas are routed by other connections.
        await phone.SyncAsync();
        return phone;
    }

    private async Task<XmppTestClient> LoginWithStreamManagementAsync(string resource)
    {
        var client = await XmppTestClient.LoginAvailableAsync(Server, Alice, resource: resource);
        await client.EnableStreamManagementAsync();
        return client;
    }

    /// <summary>
    /// Asks for an acknowledgement (XEP-0198 §4) and returns the stanzas that arrive before it. The answer is not a
    /// stanza: it overtakes what an inactive client's session holds without releasing it, so an empty list means that
    /// nothing more was on its way.
    /// </summary>
    internal static async Task<List<XmppElement>> StanzasBeforeAcknowledgementAsync(XmppTestClient client)
    {
        await client.SendAsync($"<r xmlns='{Sm}'/>");
        var stanzas = new List<XmppElement>();
        while (true)
        {
            var element = await client.NextElementAsync();
            if (element.Is("a", Sm))
            {
                return stanzas;
            }

            if (element.Namespace == Namespaces.Client)
            {
                stanzas.Add(element);
            }
        }
    }

    /// <summary>The ids of the stanzas that arrive up to and including the one with <paramref name="lastId"/>.</summary>
    private static async Task<List<string?>> StanzaIdsUntilAsync(XmppTestClient client, string lastId)
    {
        var ids = new List<string?>();
        while (true)
        {
            var element = await client.NextElementAsync();
            if (element.Namespace != Namespaces.Client)
            {
                continue;
            }

            ids.Add(element.Id);
            if (element.Id == lastId)
            {
                return ids;
            }
        }
    }
}
