using XmppServer.LoadTest.Client;
using XmppServer.LoadTest.Stats;
using XmppServer.LoadTest.Workers;

namespace XmppServer.LoadTest.Scenarios;

/// <summary>
/// Logins arriving at a fixed rate (open loop): the time from connect to the bind result, and what a login costs
/// the server in CPU. Accounts are used in turn (user1, user2, ...), wrapping after --users.
/// </summary>
internal sealed class LoginScenario : Scenario
{
    public override async Task RunWorkerAsync(WorkerContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var link = context.Link;
        var logins = new LatencyHistogram();
        var observer = new IdleObserver(context, new LatencyHistogram());
        var stayed = new System.Collections.Concurrent.ConcurrentBag<XmppLoadClient>();
        var tasks = new List<Task>();
        long pending = 0;
        link.StartProgress(context.Progress, ProgressInterval);

        async Task LoginOnceAsync(long attempt)
        {
            try
            {
                var client = new XmppLoadClient(
                    context.Settings, context.UserNumber(attempt % options.Users), context.Settings.SourceFor(attempt), observer);
                if (await LoginAttempt.RunAsync(client, context, cancellationToken) is not null)
                {
                    return;
                }

                logins.Record(Ticks.ToMicroseconds(client.LoginTime));
                context.Counters.Increment("ok");
                if (options.Stay)
                {
                    stayed.Add(client);
                }
                else
                {
                    await client.CloseAsync();
                }
            }
            finally
            {
                Interlocked.Decrement(ref pending);
            }
        }

        await link.WaitForAsync(MessageTypes.Go, cancellationToken);

        // Worker w of W makes attempts w, w + W, w + 2W, ...: together they use the accounts in order.
        await Pacer.RunAsync(
            options.Rate / link.Count,
            null,
            TimeSpan.FromSeconds(options.Duration),
            i =>
            {
                var attempt = (i * link.Count) + link.Index;
                context.Counters.Increment("attempted");
                if (Interlocked.Increment(ref pending) > options.MaxPending)
                {
                    // Open loop: an arrival that finds --max-pending logins in progress is counted, not queued.
                    Interlocked.Decrement(ref pending);
                    context.Counters.Increment("fail_overload");
                }
                else
                {
                    tasks.Add(LoginOnceAsync(attempt));
                }

                return ValueTask.CompletedTask;
            },
            cancellationToken);
        await Task.WhenAll(tasks);

        link.Send(MessageTypes.Result, m =>
        {
            m.Counters = context.Counters.Counters();
            m.Histograms["login"] = logins.Snapshot();
        });

        await link.WaitForAsync(MessageTypes.Stop, cancellationToken);
        observer.ShuttingDown = true;
        await ConnectionRamp.CloseAllAsync(stayed);
    }

    public override async Task RunCoordinatorAsync(CoordinatorContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var pool = context.Pool;
        var report = context.Report;

        var go = context.Monitor.Take();
        await pool.BroadcastAsync(MessageTypes.Go);
        var result = Aggregate.Of(await pool.WaitAllAsync(MessageTypes.Result, cancellationToken));
        var end = context.Monitor.Take();
        await pool.BroadcastAsync(MessageTypes.Stop);

        var attempted = result.Counter("attempted");
        var ok = result.Counter("ok");
        report.Section("logins");
        report.Add("rate_target", "arrival rate (target)", options.Rate, "/s", 1);
        report.Add("rate_achieved", "arrival rate (achieved)", attempted / options.Duration, "/s", 1);
        report.Add("duration_s", "arrival period", options.Duration, "s", 1);
        report.Add("attempted", "attempted", attempted);
        report.Add("succeeded", "succeeded", ok);
        report.Add("failed", "failed", result.FailureCount);
        context.AddFailures("login", result);
        report.Add("stay", "sessions kept open", options.Stay ? "yes" : "no (closed after login)");
        context.AddLatency("login", "login (connect to bind)", result.Histogram("login"));
        context.AddCpu("logins", "arrivals until the last login ended", go, end, ok, "login");
        context.AddServerMemory(end);
        context.Problem(result.FailureCount, "logins failed");
    }

    public override string Status(WorkerPool pool)
        => $"attempted {pool.ProgressCounter("attempted")} ok {pool.ProgressCounter("ok")} failed {IdleScenario.FailureSum(pool)}";
}
