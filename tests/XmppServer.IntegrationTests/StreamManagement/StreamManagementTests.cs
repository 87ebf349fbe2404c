using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.StreamManagement;

/// <summary>XEP-0198 over real sockets: acknowledgements, resumption after a lost connection, and its window.</summary>
public sealed class StreamManagementTests : AliceAndBobTests
{
    private const string Sm = "urn:xmpp:sm:3";

    protected override IDictionary<string, string?>? Settings { get; } = new Dictionary<string, string?>
    {
        ["Xmpp:StreamManagement:ResumeTimeout"] = "00:00:02",
    };

    [Fact]
    public async Task Features_AfterAuthentication_OfferStreamManagement()
    {
        await using var client = await XmppTestClient.ConnectAsync(Server);
        await client.OpenStreamAsync();
        await client.StartTlsAsync();
        await client.SendAsync("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + Convert.ToBase64String("\0alice\0secret"u8) + "</auth>");
        await client.NextElementAsync();
        var features = await client.OpenStreamAfterSaslAsync();

        Assert.NotNull(features.Element("sm", Sm));
    }

    [Fact]
    public async Task EnableBeforeBind_FailsWithUnexpectedRequest()
    {
        await using var client = await XmppTestClient.ConnectAsync(Server);
        await client.OpenStreamAsync();
        await client.StartTlsAsync();
        await client.SendAsync("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + Convert.ToBase64String("\0alice\0secret"u8) + "</auth>");
        await client.NextElementAsync();
        await client.OpenStreamAfterSaslAsync();
        await client.SendAsync($"<enable xmlns='{Sm}'/>");

        var failed = await client.NextElementAsync();
        Assert.True(failed.Is("failed", Sm));
        Assert.NotNull(failed.Element("unexpected-request", Namespaces.Stanzas));
    }

    [Fact]
    public async Task Request_AfterThreeStanzas_IsAnsweredWithHandledCountThree()
    {
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice);
        var enabled = await alice.EnableStreamManagementAsync();
        Assert.Null(enabled.GetAttribute("id"));

        await alice.SendAsync("<iq type='get' id='p1' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq><presence/><message to='bob@localhost'><body>x</body></message>");
        await alice.SendAsync($"<r xmlns='{Sm}'/>");

        var answer = await alice.ExpectAsync(e => e.Is("a", Sm), "the acknowledgement");
        Assert.Equal("3", answer.GetAttribute("h"));
    }

    [Fact]
    public async Task Server_AfterSendingStanzas_RequestsAnAcknowledgement()
    {
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice);
        var enabled = await alice.EnableStreamManagementAsync(resume: true);
        Assert.Equal("true", enabled.GetAttribute("resume"));
        Assert.Equal("2", enabled.GetAttribute("max"));

        await alice.SendAsync("<iq type='get' id='p1' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>");

        await alice.ExpectAsync(e => e.Id == "p1", "the ping result");
        await alice.ExpectAsync(e => e.Is("r", Sm), "the server's <r/>");
        await alice.SendAsync($"<a xmlns='{Sm}' h='1'/>");
        await alice.SyncAsync();
    }

    [Fact]
    public async Task LostConnection_ResumedWithPreviousId_RetransmitsUnacknowledgedThenQueued_InOrder()
    {
        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "b");
        var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "a");
        await alice.SendAsync($"<enable xmlns='{Sm}' resume='true'/>");
        var id = (await alice.ExpectAsync(e => e.Is("enabled", Sm), "<enabled/>")).GetAttribute("id")!;

        await bob.SendAsync("<message to='alice@localhost/a' type='chat' id='m1'><body>one</body></message>");
        await alice.ExpectAsync(e => e.Id == "m1", "m1 (left unacknowledged)");
        await alice.AbortAsync();
        await alice.DisposeAsync();
        await bob.SendAsync("<message to='alice@localhost/a' type='chat' id='m2'><body>two</body></message>");
        await bob.SyncAsync();

        await using var resumed = await XmppTestClient.ConnectAsync(Server);
        await resumed.OpenStreamAsync();
        await resumed.StartTlsAsync();
        await resumed.AuthenticatePlainAsync("alice", "secret");
        await resumed.SendAsync($"<resume xmlns='{Sm}' previd='{id}' h='0'/>");

        var answer = await resumed.NextElementAsync();
        Assert.True(answer.Is("resumed", Sm), answer.ToString());
        Assert.Equal(id, answer.GetAttribute("previd"));
        Assert.Equal("m1", (await resumed.ExpectAsync(e => e.Name == "message", "m1 again")).Id);
        Assert.Equal("m2", (await resumed.ExpectAsync(e => e.Name == "message", "m2")).Id);
    }

    [Fact]
    public async Task ResumeWithUnknownId_FailsWithItemNotFound()
    {
        await using var client = await XmppTestClient.ConnectAsync(Server);
        await client.OpenStreamAsync();
        await client.StartTlsAsync();
        await client.AuthenticatePlainAsync("alice", "secret");
        await client.SendAsync($"<resume xmlns='{Sm}' previd='nope' h='0'/>");

        var failed = await client.NextElementAsync();
        Assert.True(failed.Is("failed", Sm));
        Assert.NotNull(failed.Element("item-not-found", Namespaces.Stanzas));
    }

    [Fact]
    public async Task ResumptionWindowPassed_UnacknowledgedMessageGoesOffline_AndArrivesOnceAtNextLogin()
    {
        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "b");
        var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "a");
        await alice.SendAsync("<presence/>");
        await alice.EnableStreamManagementAsync(resume: true);
        await bob.SendAsync("<message to='alice@localhost' type='chat' id='lost'><body>not acknowledged</body></message>");
        await alice.ExpectAsync(e => e.Id == "lost", "the message (left unacknowledged)");
        await alice.AbortAsync();
        await alice.DisposeAsync();

        // The two-second window passes (the heartbeat checks once a second); then alice logs in afresh.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        IReadOnlyList<XmppElement> received = [];
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
            await using var probe = await XmppTestClient.LoginAsync(Server, Alice, resource: "probe");
            await probe.SendAsync("<presence/>");
            received = await probe.CollectUntilSyncAsync();
            if (received.Any(e => e.Id == "lost"))
            {
                break;
            }
        }

        Assert.Single(received, e => e.Name == "message" && e.Id == "lost");
    }
}
