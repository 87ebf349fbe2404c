using XmppServer.LoadTest.Client;
using XmppServer.LoadTest.Stats;
using XmppServer.LoadTest.Xml;

namespace XmppServer.LoadTest.Scenarios;

/// <summary>Idle sessions: counts server pings and drops, records client-to-server ping round trips.</summary>
internal sealed class IdleObserver(WorkerContext context, LatencyHistogram pings) : IClientObserver
{
    private readonly TaskCompletionSource _allAnswered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _outstanding;
    private volatile bool _shuttingDown;

    /// <summary>Set before the tool closes its sessions: closes from then on are not drops.</summary>
    public bool ShuttingDown { get => _shuttingDown; set => _shuttingDown = value; }

    public Task AllAnswered => _allAnswered.Task;

    public long Outstanding => Interlocked.Read(ref _outstanding);

    public void Expect(long pings)
    {
        Interlocked.Add(ref _outstanding, pings);
        if (pings == 0)
        {
            _allAnswered.TrySetResult();
        }
    }

    public void Done()
    {
        if (Interlocked.Decrement(ref _outstanding) == 0)
        {
            _allAnswered.TrySetResult();
        }
    }

    public void OnMessage(XmppLoadClient client, MiniElement message, long receivedTimestamp)
        => context.Counters.Increment("messages_received");

    public void OnPingAnswered(XmppLoadClient client, long roundTripTicks, bool error)
    {
        pings.Record(Ticks.ToMicroseconds(roundTripTicks));
        context.Counters.Increment(error ? "ping_error" : "ping_ok");
        Done();
    }

    public void OnServerPing(XmppLoadClient client) => context.Counters.Increment("server_pings");

    public void OnClosed(XmppLoadClient client, string reason)
    {
        if (!ShuttingDown)
        {
            context.Counters.Increment("dropped");
            context.Diagnose("session dropped", $"{client.User}: {reason}");
        }
    }
}
