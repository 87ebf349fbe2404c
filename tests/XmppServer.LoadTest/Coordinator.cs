using System.Diagnostics;
using System.Security.Cryptography;
using XmppServer.LoadTest.Cli;
using XmppServer.LoadTest.Reporting;
using XmppServer.LoadTest.Scenarios;
using XmppServer.LoadTest.Stats;
using XmppServer.LoadTest.Workers;

namespace XmppServer.LoadTest;

/// <summary>The process the user started: starts the workers, runs the scenario's phases, prints the report.</summary>
internal static class Coordinator
{
    public static async Task<int> RunAsync(LoadOptions options)
    {
        try
        {
            // Fail early on a bad --ca file, before any worker starts.
            _ = options.ClientSettings();
        }
        catch (Exception e) when (e is CryptographicException or IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"loadtest: --ca {options.CaPath}: {e.Message}");
            return 2;
        }

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(options.Timeout));
        var interrupted = false;
        void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            e.Cancel = true;
            interrupted = true;
            stop.Cancel();
        }

        Console.CancelKeyPress += OnCancel;
        var scenario = Scenario.Create(options.Scenario);
        var report = new Report(options.Scenario);
        var started = Stopwatch.GetTimestamp();
        string? failure = null;
        var exitCode = 0;
        WorkerPool? pool = null;
        CoordinatorContext? context = null;
        try
        {
            pool = WorkerPool.Start(options);
            var workers = pool;
            await using var monitor = new ResourceMonitor(
                options.ServerPid,
                () => [Environment.ProcessId, .. workers.ProcessIds],
                () => scenario.Status(workers),
                TimeSpan.FromSeconds(options.SampleInterval),
                options.Quiet);
            await pool.WaitAllAsync(MessageTypes.Started, stop.Token);
            context = new CoordinatorContext
            {
                Options = options,
                Pool = pool,
                Monitor = monitor,
                Report = report,
                Baseline = monitor.Take(),
            };
            context.AddRunInfo();
            await pool.BroadcastAsync(MessageTypes.Begin);
            await scenario.RunCoordinatorAsync(context, stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            failure = interrupted ? "interrupted" : $"hard timeout: the run did not finish within {options.Timeout:0} s (--timeout)";
            exitCode = 3;
        }
        catch (WorkerFailedException e)
        {
            failure = e.Message;
            exitCode = 1;
        }
        finally
        {
            Console.CancelKeyPress -= OnCancel;
            if (pool is not null)
            {
                await pool.DisposeAsync();
            }
        }

        report.Section("end");
        report.Add("elapsed_s", "elapsed", Stopwatch.GetElapsedTime(started).TotalSeconds, "s", 1);
        if (failure is null && context is { Problems.Count: > 0 })
        {
            // The run completed; what went wrong is part of the result (exit code 4 lets scripts notice).
            failure = "problems: " + string.Join("; ", context.Problems);
            exitCode = 4;
        }

        report.Add("status", "status", failure ?? "ok");
        if (failure is not null)
        {
            await Console.Error.WriteLineAsync($"loadtest: {failure}");
        }

        Console.Out.Write(report.ToTable());
        var json = report.ToJsonLine();
        await Console.Out.WriteLineAsync(json);
        if (options.JsonPath is not null)
        {
            await File.WriteAllTextAsync(options.JsonPath, json + "\n");
        }

        return exitCode;
    }
}
