using XmppServer.LoadTest.Cli;
using XmppServer.LoadTest.Scenarios;
using XmppServer.LoadTest.Workers;

namespace XmppServer.LoadTest;

/// <summary>A worker process: runs the scenario's worker half on its slice of the users.</summary>
internal static class WorkerMain
{
    public static async Task<int> RunAsync(int index, int count, string[] args)
    {
        // Ctrl-C reaches the whole process group; the coordinator decides, and ends us by closing our stdin.
        Console.CancelKeyPress += static (_, e) => e.Cancel = true;
        var options = LoadOptions.Parse(args);
        using var link = new WorkerLink(index, count);
        link.Start();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(link.Lost);

        // Bounded even if the coordinator hangs: its hard timeout plus a margin to report.
        stop.CancelAfter(TimeSpan.FromSeconds(options.Timeout + 30));
        try
        {
            var context = new WorkerContext { Options = options, Link = link, Settings = options.ClientSettings() };
            var scenario = Scenario.Create(options.Scenario);
            if (!options.NoWarmup)
            {
                await Warmup.RunAsync(context, stop.Token);
            }

            link.Send(MessageTypes.Started);
            await link.WaitForAsync(MessageTypes.Begin, stop.Token);
            await scenario.RunWorkerAsync(context, stop.Token);
            return 0;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return 3;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            link.Send(MessageTypes.Error, m => m.Error = e.ToString());
            return 1;
        }
    }
}
