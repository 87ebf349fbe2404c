using System.Diagnostics;
using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Protocol;
using Xunit.Abstractions;

namespace XmppServer.IntegrationTests.Security;

/// <summary>
/// Floods that are slowed rather than refused (bytes and stanzas per second: every stanza is still handled, in order)
/// and per-account quotas (roster items, offline messages) that answer with a stanza error. Honest clients carry on
/// during the flood.
/// </summary>
public sealed class ThrottleAndQuotaTests(ITestOutputHelper output) : AttackTestBase(output)
{
    protected override bool StartsServerPerTest => false;

    [Fact]
    public async Task StanzaFlood_IsSlowedToTheSessionRate_NothingDropped_OthersUnaffected()
    {
        await StartServerAsync(new Dictionary<string, string?>
        {
            ["Xmpp:Limits:StanzasPerSecond"] = "20",
            ["Xmpp:Limits:StanzaBurst"] = "20",
        });
        await using var attacker = await XmppTestClient.LoginAsync(Server, Mallory);
        const int Count = 100;
        var watch = Stopwatch.StartNew();

        await attacker.SendAsync(string.Concat(Enumerable.Range(0, Count).Select(i => $"<iq type='get' id='p{i}' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>")));
        var answers = Task.Run(() => CollectAnswersAsync(attacker, Count));

        // While the flood is being worked off, other sessions are served at once.
        var honest = Stopwatch.StartNew();
        await HonestClientsExchangeAMessageAsync();
        honest.Stop();
        Assert.False(answers.IsCompleted, "the flood was answered before the honest exchange finished: it was not slowed");

        var ids = await answers;
        watch.Stop();

        // Every ping answered, in order; 80 beyond the burst at 20 a second take 4 s.
        Assert.Equal(Enumerable.Range(0, Count).Select(i => $"p{i}"), ids);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(3.5), $"answered in {watch.Elapsed.TotalSeconds:F1} s");
        Record($"stanza flood ({Count} pings, 20/s after 20)", "slowed, none dropped", $"all answered in order in {watch.Elapsed.TotalSeconds:F1} s; honest login and message meanwhile", honest.Elapsed);
    }

    [Fact]
    public async Task ByteFlood_IsSlowedToTheConnectionRate_NothingDropped_OthersUnaffected()
    {
        await StartServerAsync(new Dictionary<string, string?>
        {
            ["Xmpp:Limits:BytesPerSecond"] = "16384",
            ["Xmpp:Limits:ByteBurst"] = "16384",
        });
        await using var attacker = await XmppTestClient.LoginAsync(Server, Mallory);
        const int Count = 8;
        var padding = new string('x', 8 * 1024);
        var watch = Stopwatch.StartNew();

        // 64 KiB at once: 16 KiB of burst, then 16 KiB a second, so about three seconds.
        await attacker.SendAsync(string.Concat(Enumerable.Range(0, Count).Select(i =>
            $"<iq type='get' id='p{i}' to='localhost'><ping xmlns='urn:xmpp:ping'/><pad xmlns='urn:example:pad'>{padding}</pad></iq>")));
        var answers = Task.Run(() => CollectAnswersAsync(attacker, Count));

        var honest = Stopwatch.StartNew();
        await HonestClientsExchangeAMessageAsync();
        honest.Stop();
        Assert.False(answers.IsCompleted, "the flood was answered before the honest exchange finished: it was not slowed");

        var ids = await answers;
        watch.Stop();

        Assert.Equal(Enumerable.Range(0, Count).Select(i => $"p{i}"), ids);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(2.5), $"answered in {watch.Elapsed.TotalSeconds:F1} s");
        Record("byte flood (64 KiB at once, 16 KiB/s after 16 KiB)", "slowed, none dropped", $"all answered in order in {watch.Elapsed.TotalSeconds:F1} s; honest login and message meanwhile", honest.Elapsed);
    }

    [Fact]
    public async Task RosterFlood_BeyondMaxItems_GetsResourceConstraint_AndNothingStored()
    {
        await StartServerAsync(new Dictionary<string, string?> { ["Xmpp:Roster:MaxItems"] = "5" });
        await using var attacker = await XmppTestClient.LoginAsync(Server, Mallory);
        for (var i = 0; i < 5; i++)
        {
            await attacker.SendAsync($"<iq type='set' id='r{i}'><query xmlns='jabber:iq:roster'><item jid='contact{i}@example.org'/></query></iq>");
            var result = await attacker.ExpectAsync(e => e.Name == "iq" && e.Id == $"r{i}", "the roster result");
            Assert.Equal("result", result.Type);
        }

        var watch = Stopwatch.StartNew();
        await attacker.SendAsync("<iq type='set' id='r5'><query xmlns='jabber:iq:roster'><item jid='contact5@example.org'/></query></iq>");
        var error = await attacker.ExpectAsync(e => e.Name == "iq" && e.Id == "r5", "the roster error");

        // RFC 6121 §2.3.3 names no condition for a full roster; RFC 6120 §8.3.3.18 resource-constraint (as Prosody
        // answers) says the account's roster has no room, and type cancel that retrying will not help.
        Assert.Equal("error", error.Type);
        var condition = error.Element("error", Namespaces.Client);
        Assert.Equal("cancel", condition?.GetAttribute("type"));
        Assert.NotNull(condition?.Element("resource-constraint", Namespaces.Stanzas));
        Record("roster flood (6th item of 5)", "<resource-constraint/> (stanza error, type cancel)", condition?.ElementText("text", Namespaces.Stanzas), watch.Elapsed);

        await attacker.SendAsync("<iq type='get' id='all'><query xmlns='jabber:iq:roster'/></iq>");
        var roster = await attacker.ExpectAsync(e => e.Name == "iq" && e.Id == "all", "the roster");
        Assert.Equal(5, roster.Element("query", "jabber:iq:roster")!.Elements().Count());
        await HonestClientsExchangeAMessageAsync();
    }

    [Fact]
    public async Task OfflineFlood_BeyondMaxMessagesPerUser_BouncesResourceConstraint()
    {
        await StartServerAsync(new Dictionary<string, string?> { ["Xmpp:Offline:MaxMessagesPerUser"] = "3" });
        await using var attacker = await XmppTestClient.LoginAsync(Server, Mallory);
        for (var i = 0; i < 3; i++)
        {
            await attacker.SendAsync($"<message to='bob@localhost' type='chat' id='o{i}'><body>stored</body></message>");
        }

        await attacker.SyncAsync();
        var watch = Stopwatch.StartNew();
        await attacker.SendAsync("<message to='bob@localhost' type='chat' id='o3'><body>one too many</body></message>");
        var bounce = await attacker.ExpectAsync(e => e.Name == "message" && e.Id == "o3", "the bounce");

        // XEP-0160 §2 with RFC 6120 §8.3.3.18: the recipient exists, its storage is full, a later retry may succeed.
        Assert.Equal("error", bounce.Type);
        var condition = bounce.Element("error", Namespaces.Client);
        Assert.Equal("wait", condition?.GetAttribute("type"));
        Assert.NotNull(condition?.Element("resource-constraint", Namespaces.Stanzas));
        Record("offline storage flood (4th message of 3)", "<resource-constraint/> (stanza error, type wait)", condition?.ElementText("text", Namespaces.Stanzas), watch.Elapsed);

        await HonestClientsExchangeAMessageAsync();
    }

    /// <summary>The ids of the IQ answers, in arrival order, until <paramref name="count"/> arrived.</summary>
    private static async Task<List<string>> CollectAnswersAsync(XmppTestClient client, int count)
    {
        var ids = new List<string>();
        while (ids.Count < count)
        {
            var answer = await client.ExpectAsync(e => e.Name == "iq" && e.Id is not null && e.Id.StartsWith('p'), "an answer", TimeSpan.FromSeconds(30));
            ids.Add(answer.Id!);
        }

        return ids;
    }
}
