using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.StreamManagement;

/// <summary>Regression tests for XEP-0198 bugs found in review.</summary>
public sealed class StreamManagementRegressionTests : AliceAndBobTests
{
    private const string Sm = "urn:xmpp:sm:3";

    protected override IDictionary<string, string?>? Settings { get; } = new Dictionary<string, string?>
    {
        ["Xmpp:StreamManagement:ResumeTimeout"] = "00:01:00",
        ["Xmpp:Connections:IdleTimeout"] = "00:00:01",
        ["Xmpp:Connections:PingTimeout"] = "00:00:01",
    };

    [Fact]
    public async Task ResumeWithTooHighCount_EndsTheStream_AndTheSessionEndsInsteadOfLeaking()
    {
        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "b");
        var (alice, id) = await LoginWithResumptionAsync("a");
        await bob.SendAsync("<message to='alice@localhost/a' type='chat' id='m1'><body>one</body></message>");
        await alice.ExpectAsync(e => e.Id == "m1", "m1 (unacknowledged)");
        await alice.AbortAsync();
        await alice.DisposeAsync();

        await using (var bad = await AuthenticatedAsync())
        {
            await bad.SendAsync($"<resume xmlns='{Sm}' previd='{id}' h='5'/>");
            await bad.ExpectStreamErrorAsync(StreamErrorCondition.UndefinedCondition);
        }

        // The session ended: m1, never acknowledged, went to offline storage and arrives at the next login.
        await using var fresh = await XmppTestClient.LoginAsync(Server, Alice, resource: "fresh");
        await fresh.SendAsync("<presence/>");
        await fresh.ExpectAsync(e => e.Name == "message" && e.Id == "m1", "m1 from offline storage");
    }

    [Fact]
    public async Task SilentClientClosedByPingTimeout_CanStillResume()
    {
        var (alice, id) = await LoginWithResumptionAsync("a");

        // Alice reads but never answers: the server pings after a second of silence, then gives up.
        await alice.ExpectAsync(e => e.Name == "iq" && e.Element("ping", Namespaces.Ping) is not null, "the server's ping", TimeSpan.FromSeconds(15));
        var error = await alice.ExpectAsync(e => e.Is("error", Namespaces.Streams), "the stream error (after the server's <r/>)", TimeSpan.FromSeconds(15));
        Assert.NotNull(error.Element("connection-timeout", Namespaces.StreamErrors));
        await alice.DisposeAsync();

        await using var resumed = await AuthenticatedAsync();
        await resumed.SendAsync($"<resume xmlns='{Sm}' previd='{id}' h='0'/>");
        var answer = await resumed.NextElementAsync();
        Assert.True(answer.Is("resumed", Sm), answer.ToString());
    }
}
