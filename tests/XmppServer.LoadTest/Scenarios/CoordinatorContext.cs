using System.Diagnostics;
using XmppServer.LoadTest.Cli;
using XmppServer.LoadTest.Reporting;
using XmppServer.LoadTest.Stats;
using XmppServer.LoadTest.Workers;

namespace XmppServer.LoadTest.Scenarios;

/// <summary>What a scenario's coordinator half works with, and the report sections every scenario shares.</summary>
internal sealed class CoordinatorContext
{
    public required LoadOptions Options { get; init; }

    public required WorkerPool Pool { get; init; }

    public required ResourceMonitor Monitor { get; init; }

    public required Report Report { get; init; }

    /// <summary>Server and tool usage before any worker connected.</summary>
    public required ResourceSnapshot Baseline { get; init; }

    /// <summary>What went wrong in a run that completed (failed logins, lost messages, drops): the report's status.</summary>
    public List<string> Problems { get; } = [];

    /// <summary>Notes a problem when <paramref name="count"/> is not zero.</summary>
    public void Problem(long count, string what)
    {
        if (count != 0)
        {
            Problems.Add($"{count} {what}");
        }
    }

    public void AddLatency(string key, string label, LatencyHistogram histogram) => Report.AddLatency(key, label, histogram);

    public void AddFailures(string prefix, Aggregate aggregate)
    {
        foreach (var (kind, count) in aggregate.Failures())
        {
            Report.Add($"{prefix}_fail_{kind}", $"  failed: {kind}", count);
        }
    }

    /// <summary>CPU of the server and of the tool over a window, in total, as a share of one core, and per unit of
    /// work (login, message, ...). The tool's figure next to the server's shows whether the tool kept up.</summary>
    public void AddCpu(string key, string window, ResourceSnapshot from, ResourceSnapshot to, long units, string unit)
    {
        var seconds = Stopwatch.GetElapsedTime(from.Timestamp, to.Timestamp).TotalSeconds;
        Report.Add($"{key}_seconds", $"{window}: length", seconds, "s", 2);
        if (from.Server.Valid && to.Server.Valid)
        {
            var server = (to.Server.Cpu - from.Server.Cpu).TotalMilliseconds;
            Report.Add($"{key}_server_cpu_ms", $"{window}: server CPU", server, "ms", 0);
            Report.Add($"{key}_server_cpu_pct", $"{window}: server CPU (100 = one core)", seconds > 0 ? server / 10 / seconds : double.NaN, "%", 1);
            Report.Add($"{key}_server_cpu_ms_per_{unit}", $"{window}: server CPU per {unit}", units > 0 ? server / units : double.NaN, "ms", 4);
        }
        else
        {
            Report.Add($"{key}_server_cpu_ms", $"{window}: server CPU (give --server-pid)", (string?)null);
        }

        var tool = (to.ToolCpu - from.ToolCpu).TotalMilliseconds;
        Report.Add($"{key}_tool_cpu_ms", $"{window}: tool CPU (all its processes)", tool, "ms", 0);
        Report.Add($"{key}_tool_cpu_pct", $"{window}: tool CPU (100 = one core)", seconds > 0 ? tool / 10 / seconds : double.NaN, "%", 1);
        Report.Add($"{key}_tool_cpu_ms_per_{unit}", $"{window}: tool CPU per {unit}", units > 0 ? tool / units : double.NaN, "ms", 4);
    }

    public void AddServerMemory(ResourceSnapshot end)
    {
        Report.Section("server memory");
        if (!Baseline.Server.Valid || !end.Server.Valid)
        {
            Report.Add("server_rss_mb", "RSS (give --server-pid)", (string?)null);
            return;
        }

        Report.Add("server_rss_start_mb", "RSS at start", Baseline.Server.RssBytes / 1048576.0, "MB", 1);
        Report.Add("server_rss_end_mb", "RSS at end", end.Server.RssBytes / 1048576.0, "MB", 1);
        Report.Add("server_rss_peak_mb", "RSS peak (sampled)", Monitor.ServerPeakRssBytes / 1048576.0, "MB", 1);
        Report.Add("server_hwm_mb", "RSS high-water mark (VmHWM, whole life)", end.Server.PeakRssBytes / 1048576.0, "MB", 1);
    }

    public void AddRunInfo()
    {
        Report.Section("run");
        Report.Add("target", "target", $"{Options.Host}:{Options.Port} ({Options.Domain})");
        Report.Add("tls", "TLS", Options.DirectTls ? "direct" : "starttls");
        Report.Add("mechanism", "SASL", Options.Mechanism switch
        {
            Client.SaslMechanism.ScramSha256 => "SCRAM-SHA-256",
            Client.SaslMechanism.Plain => "PLAIN",
            _ => "SCRAM-SHA-1",
        });
        Report.Add("workers", "worker processes", Options.Workers);
        Report.Add("sources", "source addresses", Options.SourceAddresses().Count);
        Report.Add("server_pid", "server process", Options.ServerPid is { } pid ? pid.ToString(System.Globalization.CultureInfo.InvariantCulture) : "not sampled (no --server-pid)");
    }
}
