using XmppServer.LoadTest.Cli;
using XmppServer.LoadTest.Reporting;

namespace XmppServer.LoadTest.Faults;

/// <summary>The <c>faults</c> verb: a fault-injection soak, reported like the load scenarios (table, then one JSON line).</summary>
internal static class FaultCommand
{
    public const string Verb = "faults";

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        FaultOptions options;
        string dll;
        try
        {
            options = FaultOptions.Parse(args);
            dll = options.ResolveServerDll();
        }
        catch (OptionsException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return args.Any(a => a is "-h" or "--help" or "help") ? 0 : 2;
        }

        using var interrupt = new CancellationTokenSource();
        void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            e.Cancel = true;
            interrupt.Cancel();
        }

        Console.CancelKeyPress += OnCancel;
        FaultRunResult result;
        try
        {
            result = await FaultRun.RunAsync(options with { ServerDll = dll }, Console.Error, interrupt.Token);
        }
        finally
        {
            Console.CancelKeyPress -= OnCancel;
        }

        var report = ToReport(result);
        Console.Out.Write(report.ToTable());
        var json = report.ToJsonLine();
        await Console.Out.WriteLineAsync(json);
        if (options.JsonPath is not null)
        {
            await File.WriteAllTextAsync(options.JsonPath, json + "\n");
        }

        if (result.Failure is "interrupted" || result.Failure?.StartsWith("hard timeout", StringComparison.Ordinal) == true)
        {
            return 3;
        }

        return result.Problems().Count == 0 ? 0 : 4;
    }

    public static Report ToReport(FaultRunResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var o = result.Options;
        var d = result.Delivery;
        var s = result.Stats;
        var report = new Report(Verb);
        report.Section("run");
        report.Add("messages", "messages", o.Messages);
        report.Add("clients", "clients", o.Clients);
        report.Add("rate", "rate asked", o.Rate, "msg/s", 0);
        report.Add("seed", "seed", o.Seed);

        report.Section("faults");
        report.Add("cuts", "link cuts", result.TotalCuts);
        foreach (var (kind, count) in result.Cuts)
        {
            report.Add("cuts_" + Snake(kind.ToString()), "  " + kind, count);
        }

        report.Add("cuts_armed", "cuts ordered", result.CutsArmed);
        report.Add("restarts_graceful", "graceful restarts (SIGTERM)", result.GracefulRestarts);
        report.Add("restarts_kill", "kills (SIGKILL)", result.Kills);
        report.Add("connections_refused", "connections refused (server down)", result.ConnectionsRefused);

        report.Section("sessions");
        report.Add("connections", "connections", s.Connections);
        report.Add("connect_failures", "failed before the session was up", s.ConnectFailures);
        report.Add("resumed", "resumptions accepted", s.Resumed);
        report.Add("resume_failed", "resumptions refused", s.ResumeFailed);
        report.Add("fresh_sessions", "fresh sessions", s.FreshSessions);
        report.Add("catch_ups", "archive catch-ups", s.CatchUps);
        report.Add("catch_up_pages", "archive pages fetched", s.CatchUpPages);
        report.Add("stream_errors", "stream errors received", s.StreamErrors);
        report.Add("ack_anomalies", "acks of more than was sent", s.AckAnomalies);
        report.Add("stale_acks", "acks with a count going backwards", s.StaleAcks);

        report.Section("delivery");
        report.Add("acknowledged", "acknowledged by the server", d.Acknowledged);
        report.Add("unacknowledged", "never acknowledged", d.Unacknowledged);
        report.Add("delivered", "delivered (after dedup)", d.Delivered);
        report.Add("lost", "lost", d.Lost);
        report.Add("duplicated", "duplicated", d.Duplicated);
        report.Add("out_of_order", "out of order", d.OutOfOrder);
        report.Add("first_live", "first copy: live", d.FirstLive);
        report.Add("first_resumed", "first copy: resumption", d.FirstResumed);
        report.Add("first_offline", "first copy: offline storage", d.FirstOffline);
        report.Add("first_archive", "first copy: archive catch-up", d.FirstArchive);
        report.Add("redeliveries", "redeliveries dropped by stanza-id", d.Redeliveries);
        report.Add("redelivered_live", "  live", d.RedeliveredLive);
        report.Add("redelivered_resumed", "  resumption", d.RedeliveredResumed);
        report.Add("redelivered_offline", "  offline storage", d.RedeliveredOffline);
        report.Add("redelivered_archive", "  archive catch-up", d.RedeliveredArchive);
        report.Add("retransmitted", "messages sent again after a failed resume", d.RetransmittedMessages);
        report.Add("retransmission_copies", "their copies dropped by origin-id", d.RetransmissionCopies);
        report.Add("bounced", "bounced", d.Bounced);
        report.Add("unstamped", "copies without stanza-id", d.Unstamped);
        report.Add("foreign", "foreign or misrouted", d.Foreign + d.Misrouted);

        report.Section("end");
        report.Add("server_error_lines", "server log errors", result.ServerErrorLines);
        report.Add("sending_s", "sending time", result.SendingSeconds, "s", 1);
        report.Add("elapsed_s", "elapsed", result.ElapsedSeconds, "s", 1);
        if (result.WorkDirectory is not null)
        {
            report.Add("work_directory", "kept", result.WorkDirectory);
        }

        var problems = result.Problems();
        if (d.Samples.Count > 0)
        {
            report.Add("samples", "for instance", string.Join("; ", d.Samples));
        }

        report.Add("status", "status", problems.Count == 0 ? "ok" : "problems: " + string.Join("; ", problems));
        return report;
    }

    private static string Snake(string name)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var c in name)
        {
            if (char.IsUpper(c) && sb.Length > 0)
            {
                sb.Append('_');
            }

            sb.Append(char.ToLowerInvariant(c));
        }

        return sb.ToString();
    }
}
