using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using XmppServer.Core;
using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Modules.Offline;
using XmppServer.Protocol;
using Xunit.Abstractions;

namespace XmppServer.IntegrationTests.Security;

/// <summary>Alone, so that the managed heap it measures is the server's and its own, not other tests'.</summary>
[CollectionDefinition(nameof(MemoryMeasuringCollection), DisableParallelization = true)]
public sealed class MemoryMeasuringCollection;

/// <summary>
/// A client that enables XEP-0198 resumption and then stops reading while 10,000 messages of 1 KiB are sent to it:
/// the byte budget ends its session with policy-violation (it does not hibernate), the server's memory stays bounded,
/// and at its next login every message it had not acknowledged arrives exactly once.
/// </summary>
[Collection(nameof(MemoryMeasuringCollection))]
public sealed class SlowConsumerTests(ITestOutputHelper output) : AttackTestBase(output)
{
    private const string Sm = "urn:xmpp:sm:3";
    private const int Messages = 10_000;
    private const int Batch = 500;
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    private readonly ITestOutputHelper _output = output;

    // Alice is the flood's tool, not its subject: her read throttles are off. Bob's offline store takes all of it; the
    // archive is off, since it would only double the time spent writing to the database.
    protected override IDictionary<string, string?>? Settings { get; } = new Dictionary<string, string?>
    {
        ["Xmpp:Limits:BytesPerSecond"] = "0",
        ["Xmpp:Limits:StanzasPerSecond"] = "0",
        ["Xmpp:Offline:MaxMessagesPerUser"] = "20000",
        ["Xmpp:Mam:DefaultPreference"] = "Never",
    };

    [Fact]
    public async Task NonReadingClient_WithResumption_IsClosedByTheByteBudget_AndGetsEveryUnacknowledgedMessageOnceAtNextLogin()
    {
        var sessions = Server.Services.GetRequiredService<ISessionManager>();
        var offline = Server.Services.GetRequiredService<IOfflineStore>();
        var phone = Jid.Parse("bob@localhost/phone");

        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "phone");
        var enabled = await bob.EnableStreamManagementAsync(resume: true);
        var previd = enabled.GetAttribute("id")!;
        await bob.SendInitialPresenceAsync();
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "desk");

        // From here Bob reads nothing and acknowledges nothing.
        var baseline = ManagedHeap();
        var peak = baseline;
        var body = new string('x', 1024);
        var watch = Stopwatch.StartNew();
        TimeSpan? closedAfter = null;
        var sentWhenClosed = 0;
        for (var sent = 0; sent < Messages; sent += Batch)
        {
            // A StringBuilder, not string.Concat: that rents its buffer from the shared array pool, which then keeps
            // megabytes of it alive and would count as the server's heap.
            var batch = new System.Text.StringBuilder();
            for (var i = sent; i < sent + Batch; i++)
            {
                batch.Append(System.Globalization.CultureInfo.InvariantCulture, $"<message to='bob@localhost/phone' type='chat' id='m{i}'><body>{body}</body></message>");
            }

            await alice.SendAsync(batch.ToString());
            await SyncAsync(alice);
            peak = Math.Max(peak, ManagedHeap());
            if (closedAfter is null && sessions.GetSession(phone) is null)
            {
                closedAfter = watch.Elapsed;
                sentWhenClosed = sent + Batch;
            }
        }

        var mib = 1024.0 * 1024;
        _output.WriteLine($"MEMORY | managed heap before the flood {baseline / mib:F1} MiB, peak during it {peak / mib:F1} MiB (+{(peak - baseline) / mib:F1} MiB) | working set {Environment.WorkingSet / mib:F0} MiB (test process, server included)");
        Assert.True(closedAfter is not null, "the session of a client that reads nothing was never closed");

        // Every message ends up stored: those sent after the close directly, the rest when the session ended.
        await WaitUntilAsync(async () => await offline.CountAsync(Bob, default) == Messages, "all messages in offline storage");
        _output.WriteLine($"MEMORY | managed heap once the session ended and its messages were stored {ManagedHeap() / mib:F1} MiB ({watch.Elapsed.TotalSeconds:F0} s into the flood)");

        // Bob's old stream: what the kernel had buffered, then <policy-violation/> or the connection's end.
        var (buffered, condition) = await DrainAsync(bob);
        Assert.True(condition is null or "policy-violation", $"the stream ended with <{condition}/>");
        Record(
            "non-reading client (XEP-0198 resume enabled, 10,000 x 1 KiB)",
            condition is null ? "connection dropped (close timed out on the full socket)" : $"<{condition}/>",
            $"closed after about {sentWhenClosed} messages; {buffered} had reached its socket",
            closedAfter.Value);

        // XEP-0198 §5: the session ended rather than hibernating, so it cannot be resumed.
        await using (var resumer = await XmppTestClient.ConnectAsync(Server))
        {
            await resumer.OpenStreamAsync();
            await resumer.StartTlsAsync();
            await resumer.AuthenticatePlainAsync("bob", "secret");
            await resumer.SendAsync($"<resume xmlns='{Sm}' previd='{previd}' h='0'/>");
            var failed = await resumer.NextElementAsync();
            Assert.True(failed.Is("failed", Sm), $"expected <failed/>, got {failed}");
            Assert.NotNull(failed.Element("item-not-found", Namespaces.Stanzas));
        }

        // The next login gets every message it never acknowledged, each once, whatever the byte budget.
        await using var laptop = await XmppTestClient.LoginAsync(Server, Bob, resource: "laptop");
        await laptop.SendAsync("<presence/>");
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var duplicates = 0;
        while (ids.Count < Messages)
        {
            var element = await laptop.NextElementAsync(Long);
            if (element.Name == "message" && element.Id is { } id && !ids.Add(id))
            {
                duplicates++;
            }
        }

        var late = (await laptop.CollectUntilSyncAsync()).Count(e => e.Name == "message");
        Assert.Equal(0, duplicates + late);
        Assert.Equal(Enumerable.Range(0, Messages).Select(i => $"m{i}").ToHashSet(), ids);
        await WaitUntilAsync(async () => await offline.CountAsync(Bob, default) == 0, "the delivered messages removed from storage");
        await HonestClientsExchangeAMessageAsync();

        // The 4 MiB budget held as element trees with UTF-16 text measured +11 MiB; with the count bound alone all
        // 10,000 stayed queued, +27 MiB. The bound sits between, with room for noise.
        Assert.True(peak - baseline < 20 * 1024 * 1024, $"the managed heap grew by {(peak - baseline) / mib:F1} MiB");
    }

    private static long ManagedHeap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static async Task SyncAsync(XmppTestClient client)
    {
        var id = "sync-" + Guid.NewGuid().ToString("N");
        await client.SendAsync($"<iq type='get' id='{id}'><sync xmlns='urn:test:sync'/></iq>");
        await client.ExpectAsync(e => e.Name == "iq" && e.Id == id, "the sync answer", Long);
    }

    /// <summary>Reads a stream to its end: the messages that arrived, and the stream error's condition if any.</summary>
    private static async Task<(int Messages, string? Condition)> DrainAsync(XmppTestClient client)
    {
        var messages = 0;
        try
        {
            while (true)
            {
                var streamEvent = await client.NextEventAsync(Long);
                if (streamEvent.Kind == XmppStreamEventKind.StreamEnd)
                {
                    return (messages, null);
                }

                if (streamEvent.Element is { } element && element.Is("error", Namespaces.Streams))
                {
                    return (messages, element.Elements().First(e => e.Namespace == Namespaces.StreamErrors).Name);
                }

                if (streamEvent.Element?.Name == "message")
                {
                    messages++;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or EndOfStreamException)
        {
            return (messages, null);
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string description)
    {
        var deadline = DateTime.UtcNow + Long;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {description}");
            await Task.Delay(100);
        }
    }
}
