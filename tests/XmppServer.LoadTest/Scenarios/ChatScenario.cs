using System.Diagnostics;
using XmppServer.LoadTest.Client;
using XmppServer.LoadTest.Stats;
using XmppServer.LoadTest.Workers;
using XmppServer.LoadTest.Xml;

namespace XmppServer.LoadTest.Scenarios;

/// <summary>
/// 1:1 chat between online users: user i and user i + N/2 are partners (usually in different worker processes), and
/// every user sends to its partner's bare JID in turn, at --rate messages per second in total. Each body carries the
/// send time; receivers measure end-to-end latency and count duplicates; what has not arrived after the drain is lost.
/// </summary>
internal sealed class ChatScenario : Scenario
{
    private static readonly TimeSpan SendWait = TimeSpan.FromSeconds(30);

    public override async Task RunWorkerAsync(WorkerContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var link = context.Link;
        var (start, count) = context.Slice(options.Users);
        var half = options.Users / 2;
        var logins = new LatencyHistogram();
        var latency = new LatencyHistogram();
        var observer = new ChatObserver(context, latency);
        link.StartProgress(context.Progress, ProgressInterval);

        var clients = await ConnectionRamp.OpenAsync(context, start, count, observer, logins, cancellationToken);
        var senders = new List<XmppLoadClient>();
        for (var i = 0; i < count; i++)
        {
            if (clients[i] is { } client)
            {
                long index = start + i;
                var partner = (index + half) % options.Users;
                var jid = XmlEscape.Escape($"{options.UserPrefix}{context.UserNumber(partner)}@{options.Domain}");
                client.Tag = new ChatPeer(index, partner, jid);
                senders.Add(client);
            }
        }

        link.Send(MessageTypes.Ready, m =>
        {
            m.Counters = context.Counters.Counters();
            m.Histograms["login"] = logins.Snapshot();
        });
        await link.WaitForAsync(MessageTypes.Go, cancellationToken);

        long outstanding = 1;
        var sendsDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void SendDone()
        {
            if (Interlocked.Decrement(ref outstanding) == 0)
            {
                sendsDone.TrySetResult();
            }
        }

        async Task SendAsync(XmppLoadClient client, string stanza)
        {
            try
            {
                await client.SendAsync(stanza, cancellationToken);
                context.Counters.Increment("sent");
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
            {
                context.Counters.Increment("send_failed");
            }
            finally
            {
                SendDone();
            }
        }

        if (senders.Count > 0)
        {
            await Pacer.RunAsync(
                options.Rate / link.Count,
                null,
                TimeSpan.FromSeconds(options.Duration),
                i =>
                {
                    var client = senders[(int)(i % senders.Count)];
                    if (!client.IsOpen)
                    {
                        context.Counters.Increment("send_skipped");
                        return ValueTask.CompletedTask;
                    }

                    var peer = (ChatPeer)client.Tag!;
                    var sequence = ++peer.LastSent;
                    var body = ChatObserver.Body(Stopwatch.GetTimestamp(), peer.Index, sequence);
                    Interlocked.Increment(ref outstanding);
                    _ = SendAsync(client, $"<message to='{peer.PartnerJid}' type='chat' id='m{sequence}'><body>{body}</body></message>");
                    return ValueTask.CompletedTask;
                },
                cancellationToken);
        }

        SendDone();
        try
        {
            await sendsDone.Task.WaitAsync(SendWait, cancellationToken);
        }
        catch (TimeoutException)
        {
            context.Diagnose("send", "writes still blocked 30 s after the last message was due");
        }

        link.Send(MessageTypes.Phase, m => m.Counters = context.Counters.Counters());

        await link.WaitForAsync(MessageTypes.Stop, cancellationToken);
        observer.ShuttingDown = true;
        link.Send(MessageTypes.Result, m =>
        {
            m.Counters = context.Counters.Counters();
            m.Maxima = context.Counters.Maxima();
            m.Histograms["latency"] = latency.Snapshot();
        });
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
        var connected = ready.Counter("connected");
        if (connected < options.Users)
        {
            await Console.Error.WriteLineAsync($"loadtest: only {connected} of {options.Users} users are online; messages to the others count as lost");
        }

        var go = monitor.Take();
        await pool.BroadcastAsync(MessageTypes.Go);
        var phase = Aggregate.Of(await pool.WaitAllAsync(MessageTypes.Phase, cancellationToken));
        var sendEnd = monitor.Take();
        var sent = phase.Counter("sent");

        // Drain: wait for what is in flight, up to --drain seconds.
        var drainStart = Stopwatch.GetTimestamp();
        while (pool.ProgressCounter("delivered") < sent && Stopwatch.GetElapsedTime(drainStart).TotalSeconds < options.Drain)
        {
            await Task.Delay(50, cancellationToken);
        }

        var end = monitor.Take();
        await pool.BroadcastAsync(MessageTypes.Stop);
        var result = Aggregate.Of(await pool.WaitAllAsync(MessageTypes.Result, cancellationToken));
        var delivered = result.Counter("delivered");

        report.Section("users");
        report.Add("users", "users (pairs)", options.Users);
        report.Add("users_online", "online", connected);
        report.Add("users_failed", "failed to log in", ready.FailureCount);
        context.AddFailures("users", ready);
        context.AddLatency("login", "login (connect to bind)", ready.Histogram("login"));
        context.AddCpu("ramp", "ramp", context.Baseline, afterRamp, connected, "login");

        report.Section("messages");
        var sendSeconds = Stopwatch.GetElapsedTime(go.Timestamp, sendEnd.Timestamp).TotalSeconds;
        report.Add("rate_target", "send rate (target)", options.Rate, "/s", 1);
        report.Add("rate_sent", "send rate (achieved)", sent / Math.Max(options.Duration, 1e-9), "/s", 1);
        report.Add("send_window_s", "sending took", sendSeconds, "s", 2);
        report.Add("sent", "sent", sent);
        report.Add("send_failed", "send failed", result.Counter("send_failed"));
        report.Add("send_skipped", "not sent (sender offline)", result.Counter("send_skipped"));
        report.Add("delivered", "delivered", delivered);
        report.Add("lost", $"lost (not delivered after {options.Drain:0.#} s drain)", sent - delivered);
        report.Add("duplicates", "duplicates", result.Counter("duplicates"));
        report.Add("bounced", "bounced (type=error)", result.Counter("bounced"));
        report.Add("misrouted", "from the wrong sender", result.Counter("misrouted"));
        report.Add("dropped", "sessions dropped by the server", result.Counter("dropped"));
        var last = result.Maximum("last_delivery");
        if (last is { } lastDelivery && delivered > 0)
        {
            var seconds = Stopwatch.GetElapsedTime(go.Timestamp, lastDelivery).TotalSeconds;
            report.Add("delivered_rate", "delivered per second (go to last delivery)", delivered / seconds, "/s", 1);
        }

        context.AddLatency("latency", "end-to-end latency", result.Histogram("latency"));
        context.AddCpu("messages", "sending and drain", go, end, delivered, "message");
        context.AddServerMemory(end);
        context.Problem(ready.FailureCount, "users failed to log in");
        context.Problem(sent - delivered, "messages lost");
        context.Problem(result.Counter("send_failed"), "sends failed");
        context.Problem(result.Counter("duplicates"), "duplicates");
        context.Problem(result.Counter("bounced"), "messages bounced");
        context.Problem(result.Counter("misrouted"), "messages from the wrong sender");
        context.Problem(result.Counter("dropped"), "sessions dropped");
    }

    public override string Status(WorkerPool pool)
        => $"online {pool.ProgressCounter("connected")} sent {pool.ProgressCounter("sent")} delivered {pool.ProgressCounter("delivered")} failed {IdleScenario.FailureSum(pool)}";
}
