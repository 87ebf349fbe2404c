using XmppServer.LoadTest.Client;

namespace XmppServer.LoadTest.Scenarios;

/// <summary>
/// One login, ping and logout per worker before the measurements start: the tool's code is compiled on first use
/// (tiered compilation is off), so without this the first measurement window would carry the tool's JIT time.
/// </summary>
internal static class Warmup
{
    private static readonly TimeSpan PingWait = TimeSpan.FromSeconds(10);

    public static async Task RunAsync(WorkerContext context, CancellationToken cancellationToken)
    {
        var index = context.Slice(context.Options.Users).Start;
        var observer = new WarmupObserver();
        var client = new XmppLoadClient(context.Settings, context.UserNumber(index), context.Settings.SourceFor(index), observer);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(context.LoginTimeout);
            await client.LoginAsync(timeout.Token);
            await client.SendPingAsync(timeout.Token);
            await observer.Answered.WaitAsync(PingWait, timeout.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The scenario meets the same problem and reports it; this only shows it early.
            context.Diagnose("warm-up", $"{client.User}: {e.Message}");
        }
        finally
        {
            await client.CloseAsync();
        }
    }
}
