using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.StreamManagement;

/// <summary>
/// Regression tests for delivery bugs the fault-injection run (the load tool's <c>faults</c> verb) found: each one
/// replays, deterministically, the interleaving that run stumbled on.
/// </summary>
public sealed class FaultInjectionRegressionTests : AliceAndBobTests
{
    private const string Sm = "urn:xmpp:sm:3";

    /// <summary>
    /// The backlog test needs a client that holds more than the kernel's socket buffers without being closed as a
    /// slow consumer, fed by a sender that is not slowed down: the outbound byte budget is raised and the read
    /// throttle turned off for this class.
    /// </summary>
    protected override IDictionary<string, string?>? Settings { get; } = new Dictionary<string, string?>
    {
        ["Xmpp:Limits:BytesPerSecond"] = "0",
        ["Xmpp:Connections:MaxOutboundBytes"] = (64 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private const string Mam = "urn:xmpp:mam:2";
    private const string Sid = "urn:xmpp:sid:0";

    [Fact]
    public async Task AnswerQueuedWhenTheConnectionDied_GoesOutAfterResumed_WithTheCurrentCount()
    {
        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "b");
        var (alice, id) = await LoginWithResumptionAsync("a");

        // Alice stops reading while bob sends her more than the socket buffers hold: the server's write loop for her
        // blocks, and whatever is queued for her from then on stays queued.
        var body = new string('x', 100_000);
        for (var i = 0; i < 75; i++)
        {
            await bob.SendAsync($"<message to='alice@localhost/a' type='chat' id='big{i}'><body>{body}</body></message>");
        }

        await bob.SyncAsync();

        // Her <r/> is answered with h=0, queued behind that backlog; then the server handles her message (h=1), and
        // her connection dies before the answer is written.
        await alice.SendAsync($"<r xmlns='{Sm}'/><message to='bob@localhost/b' type='chat' id='late'><body>late</body></message>");
        await bob.ExpectAsync(e => e.Id == "late", "alice's message, handled");
        await alice.AbortAsync();
        await alice.DisposeAsync();

        await using var resumed = await AuthenticatedAsync();
        await resumed.SendAsync($"<resume xmlns='{Sm}' previd='{id}' h='0'/>");
        var answer = await resumed.NextElementAsync();
        Assert.True(answer.Is("resumed", Sm), answer.ToString());
        Assert.Equal("1", answer.GetAttribute("h"));

        // XEP-0198 §4: the answer queued before the cut may still go out (or may have been lost with the connection),
        // but never with a count below the one <resumed/> gave. A new request and a round trip close the check.
        await resumed.SendAsync($"<r xmlns='{Sm}'/><iq type='get' id='end'><sync xmlns='urn:test:sync'/></iq>");
        var answers = new List<int>();
        while (true)
        {
            var element = await resumed.NextElementAsync(TimeSpan.FromSeconds(30));
            if (element.Is("a", Sm))
            {
                answers.Add(int.Parse(element.GetAttribute("h")!, System.Globalization.CultureInfo.InvariantCulture));
            }
            else if (element.Name == "iq" && element.Id == "end")
            {
                break;
            }
        }

        Assert.NotEmpty(answers);
        Assert.All(answers, h => Assert.True(h >= 1, $"an <a/> with h={h} after <resumed h='1'/>"));
    }

    [Fact]
    public async Task UnacknowledgedMessageOfAnEndedSession_GoesOfflineWithItsStanzaId_AndIsArchivedOnce()
    {
        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "b");
        var (alice, _) = await LoginWithResumptionAsync("a");
        await alice.SendInitialPresenceAsync();
        await bob.SendAsync("<message to='alice@localhost' type='chat' id='m1'><body>once</body></message>");
        var live = await alice.ExpectAsync(e => e.Id == "m1", "m1, left unacknowledged");
        var stanzaId = live.Element("stanza-id", Sid)?.GetAttribute("id");
        Assert.NotNull(stanzaId);

        // A closed stream ends the session (no resumption): m1, never acknowledged, is routed again (XEP-0198 §5),
        // and with no resource left it goes to offline storage.
        await alice.SendAsync("</stream:stream>");
        while ((await alice.NextEventAsync()).Kind != XmppStreamEventKind.StreamEnd)
        {
        }

        await alice.DisposeAsync();

        await using var again = await XmppTestClient.LoginAvailableAsync(Server, Alice, resource: "again");
        var offline = await again.ExpectAsync(e => e.Id == "m1", "m1 from offline storage");
        Assert.Equal(stanzaId, offline.Element("stanza-id", Sid)?.GetAttribute("id"));

        var archived = await ArchivedIdsAsync(again);
        Assert.Equal([stanzaId], archived);
    }

    [Fact]
    public async Task StanzaInProgressWhenTheConnectionDies_IsCountedInResumed_AndDeliveredOnce()
    {
        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "b");
        var (alice, id) = await LoginWithResumptionAsync("a");

        // Another process holds the database's write lock: archiving alice's message waits for it, so the server is
        // still handling the message when her connection dies and she resumes.
        await using var holder = await DatabaseWriteLock.TakeAsync(Server.DataDirectory);

        const string message = "<message to='bob@localhost/b' type='chat' id='m1'><body>once</body></message>";
        await alice.SendAsync(message);
        await Task.Delay(300);
        await alice.AbortAsync();
        await alice.DisposeAsync();

        await using var resumed = await AuthenticatedAsync();
        await resumed.SendAsync($"<resume xmlns='{Sm}' previd='{id}' h='0'/>");
        await Task.Delay(500);
        await holder.ReleaseAsync();

        // XEP-0198 §5: <resumed/> says what the server handled; the message it was handling counts.
        var answer = await resumed.NextElementAsync(TimeSpan.FromSeconds(30));
        Assert.True(answer.Is("resumed", Sm), answer.ToString());
        var handled = answer.GetAttribute("h");
        if (handled == "0")
        {
            // What a client does with that answer: send the message again.
            await resumed.SendAsync(message);
        }

        await resumed.SendAsync($"<r xmlns='{Sm}'/>");
        await resumed.ExpectAsync(e => e.Is("a", Sm), "the acknowledgement");
        var received = await bob.CollectUntilSyncAsync();
        Assert.Single(received, e => e.Id == "m1");
        Assert.Equal("1", handled);
    }

    /// <summary>XEP-0313 §4: the ids of every message in the user's archive (one page is plenty here).</summary>
    private static async Task<List<string?>> ArchivedIdsAsync(XmppTestClient client)
    {
        await client.SendAsync($"<iq type='set' id='q'><query xmlns='{Mam}'/></iq>");
        var ids = new List<string?>();
        while (true)
        {
            var element = await client.ExpectAsync(e => e.Id == "q" || e.Element("result", Mam) is not null, "archive results");
            if (element.Id == "q")
            {
                return ids;
            }

            ids.Add(element.Element("result", Mam)!.GetAttribute("id"));
        }
    }
}
