using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using XmppServer.Core;
using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.Lifecycle;

/// <summary>
/// A graceful stop keeps every message the server accepted: what a XEP-0198 session never acknowledged, what was
/// still queued, and what waited in a session for resumption goes to offline storage, and is delivered once after
/// the restart.
/// </summary>
public sealed class GracefulShutdownTests
{
    [Fact]
    public async Task Stop_WithUnackedAndHibernatingSessions_StoresTheirMessages_DeliveredOnceAfterRestart()
    {
        var server = await TestServer.StartAsync();
        var alice = await server.CreateUserAsync("alice");
        var bob = await server.CreateUserAsync("bob");
        var carol = await server.CreateUserAsync("carol");

        // bob: an attached session with stream management that acknowledges nothing.
        var bobDesk = await XmppTestClient.LoginAsync(server, bob, resource: "desk");
        await bobDesk.EnableStreamManagementAsync(resume: true);
        await bobDesk.SendInitialPresenceAsync();

        // carol: a resumable session whose connection is lost, so it hibernates.
        var carolPhone = await XmppTestClient.LoginAsync(server, carol, resource: "phone");
        await carolPhone.EnableStreamManagementAsync(resume: true);
        await carolPhone.SendInitialPresenceAsync();

        var aliceClient = await XmppTestClient.LoginAsync(server, alice, resource: "a");
        for (var i = 1; i <= 3; i++)
        {
            await aliceClient.SendAsync($"<message to='bob@localhost' type='chat' id='b{i}'><body>to bob {i}</body></message>");
            await bobDesk.ExpectAsync(e => e.Name == "message" && e.Id == $"b{i}", $"message b{i}, received but never acknowledged");
        }

        for (var i = 1; i <= 2; i++)
        {
            await aliceClient.SendAsync($"<message to='carol@localhost/phone' type='chat' id='c{i}'><body>to carol {i}</body></message>");
            await carolPhone.ExpectAsync(e => e.Name == "message" && e.Id == $"c{i}", $"message c{i}");
        }

        await carolPhone.AbortAsync();
        var resumable = server.Services.GetRequiredService<ResumableSessions>();
        await WaitUntilAsync(() => resumable.Hibernating().Any(), "carol's session hibernates");

        // Queued in the hibernating session, never written anywhere.
        await aliceClient.SendAsync("<message to='carol@localhost/phone' type='chat' id='c3'><body>to carol 3</body></message>");
        await aliceClient.SyncAsync();

        var watch = Stopwatch.StartNew();
        var stop = server.StopAsync();
        await bobDesk.ExpectAsync(e => e.Is("error", Namespaces.Streams) && e.Element("system-shutdown", Namespaces.StreamErrors) is not null, "system-shutdown");
        await bobDesk.DisposeAsync();
        await aliceClient.DisposeAsync();
        await stop.WaitAsync(TimeSpan.FromSeconds(30));

        // With both clients gone at once the stop does not wait for any timeout.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"the stop took {watch.Elapsed.TotalSeconds} s");

        await using var restarted = await TestServer.StartAsync(dataDirectory: server.DataDirectory);
        Assert.Equal(["to bob 1", "to bob 2", "to bob 3"], await OfflineBodiesAsync(restarted, bob));
        Assert.Equal(["to carol 1", "to carol 2", "to carol 3"], await OfflineBodiesAsync(restarted, carol));
    }

    [Fact]
    public async Task ClientConnectingDuringShutdown_GetsSystemShutdown_NotASession()
    {
        var server = await TestServer.StartAsync();
        try
        {
            var user = await server.CreateUserAsync("alice");

            // A connected client that does not answer keeps the shutdown in its first phase for a while.
            await using var slow = await XmppTestClient.LoginAsync(server, user, resource: "slow");
            var stop = server.StopAsync();
            await slow.ExpectAsync(e => e.Is("error", Namespaces.Streams), "system-shutdown on the open stream");

            await using var late = await XmppTestClient.ConnectAsync(server);
            await late.SendAsync($"<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='{TestServer.Domain}' version='1.0'>");
            await late.ExpectStreamErrorAsync(StreamErrorCondition.SystemShutdown);
            await stop.WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    /// <summary>Logs in, sends initial presence, and returns the bodies of the messages that arrive before a round trip.</summary>
    internal static async Task<List<string>> OfflineBodiesAsync(IXmppServerEndpoint server, Jid user)
    {
        await using var client = await XmppTestClient.LoginAsync(server, user, resource: "after");
        await client.SendAsync("<presence/>");
        var received = await client.CollectUntilSyncAsync();
        var messages = received.Where(e => e.Name == "message").ToList();

        // Delivered from offline storage: each with the server's delay notation (XEP-0203).
        Assert.All(messages, m => Assert.NotNull(m.Element("delay", Namespaces.Delay)));
        return [.. messages.Select(m => m.ElementText("body", Namespaces.Client)!)];
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + XmppTestClient.DefaultTimeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(20);
        }
    }
}
