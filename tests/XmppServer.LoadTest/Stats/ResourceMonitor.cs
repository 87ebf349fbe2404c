using System.Diagnostics;
using System.Globalization;

namespace XmppServer.LoadTest.Stats;

/// <summary>
/// Samples the server process (if its pid is known) and the tool's own processes (coordinator and workers)
/// periodically, keeps the server's peak RSS, and prints a progress line to stderr.
/// </summary>
internal sealed class ResourceMonitor : IAsyncDisposable
{
    private readonly int? _serverPid;
    private readonly Func<IReadOnlyList<int>> _toolPids;
    private readonly Func<string> _status;
    private readonly bool _quiet;
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly TimeSpan _interval;
    private long _serverPeakRss;
    private ResourceSnapshot _previous;

    public ResourceMonitor(int? serverPid, Func<IReadOnlyList<int>> toolPids, Func<string> status, TimeSpan interval, bool quiet)
    {
        _serverPid = serverPid;
        _toolPids = toolPids;
        _status = status;
        _quiet = quiet;
        _interval = interval;
        if (serverPid is { } pid && !ProcFs.Exists(pid))
        {
            throw new InvalidOperationException($"--server-pid {pid}: no such process");
        }

        _previous = Take();
        _loop = LoopAsync();
    }

    public bool HasServer => _serverPid is not null;

    public long ServerPeakRssBytes => Interlocked.Read(ref _serverPeakRss);

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_started);

    public ResourceSnapshot Take()
    {
        var server = _serverPid is { } pid ? ProcFs.Read(pid) : ProcessSample.None;
        if (server.Valid)
        {
            UpdatePeak(server.RssBytes);
        }

        var cpu = TimeSpan.Zero;
        long rss = 0;
        foreach (var toolPid in _toolPids())
        {
            var sample = ProcFs.Read(toolPid);
            cpu += sample.Cpu;
            rss += sample.RssBytes;
        }

        return new ResourceSnapshot(Stopwatch.GetTimestamp(), server, cpu, rss);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(_interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                var now = Take();
                if (!_quiet)
                {
                    await Console.Error.WriteLineAsync(Line(_previous, now));
                }

                _previous = now;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private string Line(ResourceSnapshot before, ResourceSnapshot now)
    {
        var seconds = Stopwatch.GetElapsedTime(before.Timestamp, now.Timestamp).TotalSeconds;
        var toolCpu = seconds > 0 ? (now.ToolCpu - before.ToolCpu).TotalSeconds / seconds * 100 : 0;
        var server = now.Server.Valid && before.Server.Valid && seconds > 0
            ? string.Create(CultureInfo.InvariantCulture, $"server rss {now.Server.RssBytes / 1048576.0,7:F1} MB cpu {(now.Server.Cpu - before.Server.Cpu).TotalSeconds / seconds * 100,5:F0}% | ")
            : string.Empty;
        return string.Create(CultureInfo.InvariantCulture, $"[{Elapsed.TotalSeconds,7:F1}s] {server}tool cpu {toolCpu,5:F0}% | {_status()}");
    }

    private void UpdatePeak(long rss)
    {
        var current = Interlocked.Read(ref _serverPeakRss);
        while (rss > current)
        {
            var previous = Interlocked.CompareExchange(ref _serverPeakRss, rss, current);
            if (previous == current)
            {
                return;
            }

            current = previous;
        }
    }
}
