using System.Globalization;
using XmppServer.LoadTest.Client;
using XmppServer.LoadTest.Stats;
using XmppServer.LoadTest.Xml;

namespace XmppServer.LoadTest.Scenarios;

/// <summary>Chat receivers: end-to-end latency from the timestamp in the body, duplicates, bounces.</summary>
internal sealed class ChatObserver(WorkerContext context, LatencyHistogram latency) : IClientObserver
{
    private volatile bool _shuttingDown;

    public bool ShuttingDown { get => _shuttingDown; set => _shuttingDown = value; }

    /// <summary>The body of a load message: send timestamp (Stopwatch ticks), sender index, sequence number.
    /// Stopwatch is CLOCK_MONOTONIC on Linux, one clock for every process on the machine, so a receiver in another
    /// worker process can subtract a sender's timestamp.</summary>
    public static string Body(long timestamp, long sender, long sequence)
        => string.Create(CultureInfo.InvariantCulture, $"{timestamp} {sender} {sequence}");

    public static bool TryParseBody(string body, out long timestamp, out long sender, out long sequence)
    {
        timestamp = sender = sequence = 0;
        var span = body.AsSpan().Trim();
        var first = span.IndexOf(' ');
        if (first < 0)
        {
            return false;
        }

        var rest = span[(first + 1)..];
        var second = rest.IndexOf(' ');
        return second >= 0
            && long.TryParse(span[..first], NumberStyles.None, CultureInfo.InvariantCulture, out timestamp)
            && long.TryParse(rest[..second], NumberStyles.None, CultureInfo.InvariantCulture, out sender)
            && long.TryParse(rest[(second + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out sequence);
    }

    public void OnMessage(XmppLoadClient client, MiniElement message, long receivedTimestamp)
    {
        // RFC 6120 §8.3: an undeliverable message comes back as type='error'.
        if (message.Attribute("type") == "error")
        {
            context.Counters.Increment("bounced");
            return;
        }

        var body = message.Child("body")?.Text;
        if (body is null || client.Tag is not ChatPeer peer || !TryParseBody(body, out var sent, out var sender, out var sequence))
        {
            context.Counters.Increment("other_messages");
            return;
        }

        if (sender != peer.Partner)
        {
            context.Counters.Increment("misrouted");
        }

        if (!peer.Received.Add(sequence))
        {
            context.Counters.Increment("duplicates");
            return;
        }

        latency.Record(Ticks.ToMicroseconds(receivedTimestamp - sent));
        context.Counters.Increment("delivered");
        context.Counters.Max("last_delivery", receivedTimestamp);
    }

    public void OnPingAnswered(XmppLoadClient client, long roundTripTicks, bool error)
    {
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
