using XmppServer.LoadTest.Stats;
using XmppServer.LoadTest.Workers;

namespace XmppServer.LoadTest.Scenarios;

/// <summary>
/// Many authenticated sessions doing nothing: what one idle session costs the server (RSS), whether the server
/// stays responsive (client-to-server ping round trips), and whether it keeps them all (drops during the hold).
/// </summary>
internal sealed class IdleScenario : Scenario
{
    private static readonly TimeSpan PingWait = TimeSpan.FromSeconds(30);

    public override async Task RunWorkerAsync(WorkerContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var link = context.Link;
        var (start, count) = context.Slice(options.Users);
        var logins = new LatencyHistogram();
        var pings = new LatencyHistogram();
        var observer = new IdleObserver(context, pings);
        link.StartProgress(context.Progress, ProgressInterval);

        var clients = await ConnectionRamp.OpenAsync(context, start, count, observer, logins, cancellationToken);
        link.Send(MessageTypes.Ready, m =>
        {
            m.Counters = context.Counters.Counters();
            m.Histograms["login"] = logins.Snapshot();
        });

        await link.WaitForAsync(MessageTypes.Go, cancellationToken);

        // The sample is spread evenly over all users: user index i pings when floor((i+1)s/n) > floor(i s/n).
        var sample = options.PingSample ?? options.Users;
        var pingers = new List<Client.XmppLoadClient>();
        for (var i = 0; i < count; i++)
        {
            long index = start + i;
            if (clients[i] is { IsOpen: true } client && ((index + 1) * sample / options.Users) > (index * sample / options.Users))
            {
                pingers.Add(client);
            }
        }

        observer.Expect(pingers.Count);
        context.Counters.Increment("ping_sent", pingers.Count);
        await Pacer.RunAsync(
            options.PingRate / link.Count,
            pingers.Count,
            null,
            i =>
            {
                _ = PingAsync(pingers[(int)i], observer, context, cancellationToken);
                return ValueTask.CompletedTask;
            },
            cancellationToken);
        try
        {
            await observer.AllAnswered.WaitAsync(PingWait, cancellationToken);
        }
        catch (TimeoutException)
        {
            context.Counters.Increment("ping_timeout", observer.Outstanding);
        }

        link.Send(MessageTypes.Phase, m =>
        {
            m.Counters = context.Counters.Counters();
            m.Histograms["ping"] = pings.Snapshot();
        });

        await link.WaitForAsync(MessageTypes.Stop, cancellationToken);
        observer.ShuttingDown = true;
        context.Counters.Increment("alive_at_end", clients.Count(c => c is { IsOpen: true }));
        link.Send(MessageTypes.Result, m => m.Counters = context.Counters.Counters());
        await ConnectionRamp.CloseAllAsync(clients);
    }

    public override async Task RunCoordinatorAsync(CoordinatorContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var pool = context.Pool;
        var monitor = context.Monitor;
        var report = context.Report;

        var ready = Aggregate.Of(await pool.WaitAllAsync(MessageTypes.Ready, cancellationToken));
        var afterRamp = monitor.Take();
        await pool.BroadcastAsync(MessageTypes.Go);
        var pinged = Aggregate.Of(await pool.WaitAllAsync(MessageTypes.Phase, cancellationToken));
        var holdStart = monitor.Take();
        await Task.Delay(TimeSpan.FromSeconds(options.Duration), cancellationToken);
        var holdEnd = monitor.Take();
        await pool.BroadcastAsync(MessageTypes.Stop);
        var result = Aggregate.Of(await pool.WaitAllAsync(MessageTypes.Result, cancellationToken));

        var connected = ready.Counter("connected");
        report.Section("sessions");
        report.Add("sessions_requested", "requested", options.Users);
        report.Add("sessions_established", "established", connected);
        report.Add("sessions_failed", "failed", ready.FailureCount);
        context.AddFailures("sessions", ready);
        context.AddLatency("login", "login (connect to bind)", ready.Histogram("login"));
        context.AddCpu("ramp", "ramp", context.Baseline, afterRamp, connected, "login");

        report.Section("client-to-server ping (XEP-0199), after all sessions are up");
        report.Add("ping_sent", "pings sent", pinged.Counter("ping_sent"));
        report.Add("ping_ok", "answered with result", pinged.Counter("ping_ok"));
        report.Add("ping_error", "answered with error", pinged.Counter("ping_error"));
        report.Add("ping_timeout", $"unanswered after {PingWait.TotalSeconds:F0} s", pinged.Counter("ping_timeout"));
        context.AddLatency("ping", "round trip", pinged.Histogram("ping"));

        report.Section("hold");
        report.Add("hold_s", "hold", options.Duration, "s", 1);
        report.Add("alive_at_end", "sessions alive at end", result.Counter("alive_at_end"));
        report.Add("dropped", "dropped by the server", result.Counter("dropped"));
        report.Add("server_pings", "server pings answered", result.Counter("server_pings"));
        context.AddCpu("hold", "hold", holdStart, holdEnd, connected, "session");

        context.AddServerMemory(holdEnd);
        if (context.Baseline.Server.Valid && holdEnd.Server.Valid && connected > 0)
        {
            var delta = holdEnd.Server.RssBytes - context.Baseline.Server.RssBytes;
            report.Add("server_rss_delta_mb", "RSS growth (end of hold - start)", delta / 1048576.0, "MB", 1);
            report.Add("server_rss_per_session_kb", "RSS per idle session", delta / 1024.0 / connected, "KB", 1);
        }

        context.Problem(ready.FailureCount, "sessions failed to log in");
        context.Problem(pinged.Counter("ping_error") + pinged.Counter("ping_timeout") + pinged.Counter("ping_send_failed"), "pings failed");
        context.Problem(result.Counter("dropped"), "sessions dropped");

        report.Section("tool");
        report.Add("tool_rss_mb", "RSS of all tool processes at end of hold", holdEnd.ToolRssBytes / 1048576.0, "MB", 1);
    }

    public override string Status(WorkerPool pool)
        => $"connected {pool.ProgressCounter("connected")} failed {FailureSum(pool)} dropped {pool.ProgressCounter("dropped")} pings {pool.ProgressCounter("ping_ok")}";

    internal static long FailureSum(WorkerPool pool)
    {
        long sum = 0;
        foreach (var message in pool.Progress)
        {
            if (message is not null)
            {
                sum += message.Counters.Where(p => p.Key.StartsWith("fail_", StringComparison.Ordinal)).Sum(p => p.Value);
            }
        }

        return sum;
    }

    private static async Task PingAsync(Client.XmppLoadClient client, IdleObserver observer, WorkerContext context, CancellationToken cancellationToken)
    {
        try
        {
            await client.SendPingAsync(cancellationToken);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            context.Counters.Increment("ping_send_failed");
            observer.Done();
        }
    }
}
