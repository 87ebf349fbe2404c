using XmppServer.LoadTest.Client;
using XmppServer.LoadTest.Stats;

namespace XmppServer.LoadTest.Scenarios;

/// <summary>Opens a worker's share of long-lived sessions at its share of --ramp, at most --max-pending at once.</summary>
internal static class ConnectionRamp
{
    /// <summary>Returns one slot per user of the slice; null where the login failed.</summary>
    public static async Task<XmppLoadClient?[]> OpenAsync(
        WorkerContext context, int start, int count, IClientObserver observer, LatencyHistogram logins, CancellationToken cancellationToken)
    {
        var clients = new XmppLoadClient?[count];
        var pending = new SemaphoreSlim(context.Options.MaxPending);
        var tasks = new List<Task>(count);
        if (count == 0)
        {
            return clients;
        }

        async Task OpenOneAsync(int i)
        {
            try
            {
                var index = start + i;
                var client = new XmppLoadClient(context.Settings, context.UserNumber(index), context.Settings.SourceFor(index), observer);
                if (await LoginAttempt.RunAsync(client, context, cancellationToken) is null)
                {
                    clients[i] = client;
                    logins.Record(Ticks.ToMicroseconds(client.LoginTime));
                    context.Counters.Increment("connected");
                }
            }
            finally
            {
                pending.Release();
            }
        }

        await Pacer.RunAsync(
            context.Options.Ramp / context.Link.Count,
            count,
            null,
            async i =>
            {
                await pending.WaitAsync(cancellationToken);
                tasks.Add(OpenOneAsync((int)i));
            },
            cancellationToken);
        await Task.WhenAll(tasks);
        return clients;
    }

    public static Task CloseAllAsync(IEnumerable<XmppLoadClient?> clients)
        => Task.WhenAll(clients.Where(c => c is not null).Select(c => c!.CloseAsync().AsTask()));
}
