using System.Diagnostics;
using System.Globalization;
using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.Lifecycle;

/// <summary>
/// The built server as an operator runs it: SIGTERM stops it gracefully within a bounded time, and after a SIGKILL
/// every message it acknowledged (XEP-0198 &lt;a/&gt;) to a sender is still delivered after the restart.
/// </summary>
public sealed class ServerProcessLifecycleTests : IDisposable
{
    private const string Sm = Namespaces.StreamManagement;

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "xmpp-proc-" + Guid.NewGuid().ToString("N"));

    public ServerProcessLifecycleTests() => Directory.CreateDirectory(_dataDirectory);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Sigkill_AfterMessagesToOfflineUserWereAcknowledged_AllAreDeliveredAfterRestart()
    {
        const int count = 50;
        var alice = await ServerProcess.CreateUserAsync(_dataDirectory, "alice");
        var bob = await ServerProcess.CreateUserAsync(_dataDirectory, "bob");

        await using (var server = await ServerProcess.StartAsync(_dataDirectory))
        {
            await using var sender = await XmppTestClient.LoginAsync(server, alice, resource: "a");
            await sender.EnableStreamManagementAsync();
            for (var i = 1; i <= count; i++)
            {
                await sender.SendAsync($"<message to='bob@localhost' type='chat' id='k{i}'><body>kept {i}</body></message>");
            }

            // XEP-0198 §4: the server has handled (here: committed to offline storage) every one of them.
            await sender.SendAsync($"<r xmlns='{Sm}'/>");
            var ack = await sender.ExpectAsync(e => e.Is("a", Sm), "<a/>");
            Assert.Equal(count, int.Parse(ack.GetAttribute("h")!, CultureInfo.InvariantCulture));

            // No shutdown code runs: as a crash, an OOM kill or a power cut of the process.
            await server.KillAsync();
        }

        await using var restarted = await ServerProcess.StartAsync(_dataDirectory);
        var bodies = await GracefulShutdownTests.OfflineBodiesAsync(restarted, bob);
        Assert.Equal(Enumerable.Range(1, count).Select(i => $"kept {i}"), bodies);
    }

    [Fact]
    public async Task Sigterm_SendsSystemShutdown_StoresUnackedMessages_AndExitsWithinBound()
    {
        var alice = await ServerProcess.CreateUserAsync(_dataDirectory, "alice");
        var bob = await ServerProcess.CreateUserAsync(_dataDirectory, "bob");

        var settings = new Dictionary<string, string?> { ["Xmpp:Connections:ShutdownTimeout"] = "00:00:02" };
        await using (var server = await ServerProcess.StartAsync(_dataDirectory, settings))
        {
            await using var receiver = await XmppTestClient.LoginAsync(server, bob, resource: "b");
            await receiver.EnableStreamManagementAsync(resume: true);
            await receiver.SendInitialPresenceAsync();
            await using var sender = await XmppTestClient.LoginAsync(server, alice, resource: "a");
            for (var i = 1; i <= 3; i++)
            {
                await sender.SendAsync($"<message to='bob@localhost' type='chat' id='u{i}'><body>unacked {i}</body></message>");
                await receiver.ExpectAsync(e => e.Name == "message" && e.Id == $"u{i}", $"message u{i}");
            }

            var watch = Stopwatch.StartNew();
            await server.SignalAsync("TERM");
            await receiver.ExpectAsync(e => e.Is("error", Namespaces.Streams) && e.Element("system-shutdown", Namespaces.StreamErrors) is not null, "system-shutdown");

            // The clients never close their side: the server drops them after Xmpp:Connections:ShutdownTimeout (2 s
            // here) and exits within its bound: that, 5 s for the dropped connections' teardown, and the store writes.
            Assert.True(await server.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the server did not exit after SIGTERM");
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"SIGTERM to exit took {watch.Elapsed.TotalSeconds} s");
            Assert.Equal(0, server.ExitCode);
        }

        await using var restarted = await ServerProcess.StartAsync(_dataDirectory);
        Assert.Equal(["unacked 1", "unacked 2", "unacked 3"], await GracefulShutdownTests.OfflineBodiesAsync(restarted, bob));
    }

    [Fact]
    public async Task Running_WithItsDataDirectoryInTheWorkingDirectory_WatchesNoFiles()
    {
        // Regression: the web host's default configuration set a recursive inotify watch on the working directory,
        // so every SQLite write in the data directory there woke a file-watcher thread.
        await using var server = await ServerProcess.StartAsync(_dataDirectory);
        var alice = await ServerProcess.CreateUserAsync(_dataDirectory, "watcher");
        await using (var client = await XmppTestClient.LoginAsync(server, alice, resource: "w"))
        {
            await client.SendAsync("<message to='nobody@localhost' type='chat' id='w1'><body>to offline storage</body></message>");
            await client.SendAsync("<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>");
            await client.ExpectAsync(e => e.Name == "iq" && e.GetAttribute("id") == "p1", "ping result");
        }

        var watches = new List<string>();
        foreach (var fdinfo in Directory.EnumerateFiles($"/proc/{server.ProcessId}/fdinfo"))
        {
            try
            {
                watches.AddRange((await File.ReadAllLinesAsync(fdinfo)).Where(line => line.StartsWith("inotify", StringComparison.Ordinal)));
            }
            catch (IOException)
            {
                // The descriptor was closed while the directory was read.
            }
        }

        Assert.Empty(watches);
    }
}
