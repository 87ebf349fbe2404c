using Microsoft.Extensions.DependencyInjection;
using XmppServer.Core;
using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.Routing;

/// <summary>Regression tests for bugs found in review of the connection and router code.</summary>
public sealed class RobustnessRegressionTests : AliceAndBobTests
{
    // The non-reading client's test floods from Alice: her read throttle is off, so the flood is as fast as she sends.
    protected override IDictionary<string, string?>? Settings { get; } = new Dictionary<string, string?>
    {
        ["Xmpp:Connections:MaxOutboundQueue"] = "20",
        ["Xmpp:Limits:BytesPerSecond"] = "0",
    };

    [Fact]
    public async Task IqResultToUnknownUser_IsNeverAnswered()
    {
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice);
        await alice.SendAsync("<iq type='result' id='res1' to='nobody@localhost'/>");
        await alice.SendAsync("<iq type='result' id='res2' to='someone@far.example'/>");
        await alice.SyncAsync();

        await alice.SendAsync("<message to='nobody@localhost' id='after'><body>x</body></message>");
        Assert.Equal("after", (await alice.NextElementAsync()).Id);
    }

    [Fact]
    public async Task ErrorStanzaWithMalformedTo_IsNeverAnswered()
    {
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice);
        await alice.SendAsync("<message type='error' to='a@b@c' id='e1'/>");
        await alice.SyncAsync();

        await alice.SendAsync("<message to='a@b@c' id='e2'><body>x</body></message>");
        Assert.Equal("e2", (await alice.NextElementAsync()).Id);
    }

    [Fact]
    public async Task MessageOfUnknownTypeToOfflineResource_IsKeptAsNormal()
    {
        await using (var alice = await XmppTestClient.LoginAsync(Server, Alice))
        {
            // RFC 6121 §5.2.2: an unknown type is normal; §8.5.3.2.1: to an offline resource it goes to the bare JID.
            await alice.SendAsync("<message to='bob@localhost/gone' type='strange' id='u1'><body>kept</body></message>");
            await alice.SyncAsync();
        }

        await using var bob = await XmppTestClient.LoginAsync(Server, Bob);
        await bob.SendAsync("<presence/>");
        var message = await bob.ExpectAsync(e => e.Name == "message" && e.Id == "u1", "the stored message");
        Assert.Equal("kept", message.ElementText("body", Namespaces.Client));
    }

    [Fact]
    public async Task ResourceConflict_OldSessionsDirectedPresenceRecipientsHearUnavailable()
    {
        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "b");
        await using var first = await XmppTestClient.LoginAsync(Server, Alice, resource: "phone");
        await first.SendAsync("<presence to='bob@localhost/b'/>");
        await bob.ExpectAsync(e => e.Name == "presence" && e.From == "alice@localhost/phone" && e.Type is null, "directed presence");

        await using var second = await XmppTestClient.LoginAsync(Server, Alice, resource: "phone");

        await bob.ExpectAsync(e => e.Name == "presence" && e.From == "alice@localhost/phone" && e.Type == "unavailable", "unavailable for the replaced session");
        await first.ExpectStreamErrorAsync(StreamErrorCondition.Conflict);
    }

    [Fact]
    public async Task ClientThatReadsNothing_IsDisconnected_AndTheServerKeepsServingOthers()
    {
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "a");
        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "b");
        var sessions = Server.Services.GetRequiredService<ISessionManager>();

        // Bob never reads. Large messages fill the socket buffers, then his queue (20 stanzas here), and the
        // slow-consumer policy closes him: the close itself must not hang on his full socket.
        var body = new string('x', 60_000);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var sent = 0;
        while (sessions.GetSession(Jid.Parse("bob@localhost/b")) is not null && DateTime.UtcNow < deadline)
        {
            await alice.SendAsync($"<message to='bob@localhost/b' type='chat'><body>{body}</body></message>");
            if (++sent % 20 == 0)
            {
                await alice.SyncAsync();
            }
        }

        Assert.Null(sessions.GetSession(Jid.Parse("bob@localhost/b")));
        await alice.SyncAsync();
        await using var carol = await XmppTestClient.LoginAsync(Server, Bob, resource: "c");
        Assert.Equal("bob@localhost/c", carol.Jid!.ToString());
    }
}
