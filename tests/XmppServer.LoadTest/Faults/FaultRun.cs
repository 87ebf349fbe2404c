using System.Diagnostics;
using System.Globalization;
using System.Net;
using XmppServer.LoadTest.Client;

namespace XmppServer.LoadTest.Faults;

/// <summary>
/// One fault-injection run: the server as a child process, the proxy, the clients, the messages, the cuts and the
/// restarts, the drain, and the verdict.
/// </summary>
internal sealed class FaultRun
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan FirstLoginTimeout = TimeSpan.FromSeconds(60);

    private readonly FaultOptions _options;
    private readonly TextWriter? _progress;
    private readonly Random _random;
    private readonly Random _faultRandom;
    private readonly FaultStats _stats = new();
    private readonly long[] _restarts = new long[2];
    private long _armed;

    public FaultRun(FaultOptions options, TextWriter? progress)
    {
        _options = options;
        _progress = progress;
        _random = new Random(options.Seed);
        _faultRandom = new Random(unchecked(options.Seed * 31 + 7));
    }

    public static Task<FaultRunResult> RunAsync(FaultOptions options, TextWriter? progress, CancellationToken cancellationToken)
        => new FaultRun(options, progress).RunAsync(cancellationToken);

    private async Task<FaultRunResult> RunAsync(CancellationToken cancellationToken)
    {
        var dll = _options.ResolveServerDll();
        var work = Path.Combine(Path.GetTempPath(), "xmppserver-faults-" + Guid.NewGuid().ToString("N")[..12]);
        var started = Stopwatch.GetTimestamp();
        var verifier = new DeliveryVerifier(_options.Clients);
        FaultProxy? proxy = null;
        ServerProcess? server = null;
        string? failure = null;
        StreamWriter? trace = null;
        double sendingSeconds = 0;
        var drained = false;
        using var hardLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        hardLimit.CancelAfter(_options.EffectiveTimeout);
        var token = hardLimit.Token;
        try
        {
            server = new ServerProcess(dll, work, _options.Domain, [.. ServerSettings()]);
            Say($"work directory {work}; seed {_options.Seed}");
            await server.CreateAccountsAsync(_options.UserPrefix, _options.Clients, _options.Password, token);
            await server.StartAsync(token);
            trace = _options.Trace ? new StreamWriter(Path.Combine(work, "clients.log")) { AutoFlush = false } : null;
            proxy = new FaultProxy(new IPEndPoint(IPAddress.Loopback, server.Port));
            proxy.Start();
            var settings = new FaultClientSettings
            {
                Server = proxy.EndPoint,
                Domain = _options.Domain,
                UserPrefix = _options.UserPrefix,
                Password = _options.Password,
                Trust = CertificateTrust.FromPemFile(server.CertificatePath),
                CatchUpMargin = TimeSpan.FromSeconds(_options.CatchUpMargin),
                Window = _options.Window,
                Trace = trace,
            };
            var clients = Enumerable.Range(1, _options.Clients)
                .Select(n => new FaultClient(n, settings, proxy, verifier, _stats, _random.Next()))
                .ToArray();
            using var stopClients = CancellationTokenSource.CreateLinkedTokenSource(token);
            var running = clients.Select(c => Task.Run(() => c.RunAsync(stopClients.Token), CancellationToken.None)).ToArray();
            try
            {
                await WaitAsync(() => clients.All(c => c.IsConnected), FirstLoginTimeout, token);
                Say($"{clients.Length} clients online through the proxy at {proxy.EndPoint}; sending {_options.Messages} messages");
                using var stopFaults = CancellationTokenSource.CreateLinkedTokenSource(token);
                using var stopProgress = CancellationTokenSource.CreateLinkedTokenSource(token);
                var faults = FaultLoopAsync(proxy, clients, stopFaults.Token);
                var progress = ProgressLoopAsync(verifier, proxy, stopProgress.Token);
                var sending = Stopwatch.GetTimestamp();
                await SendAllAsync(verifier, clients, server, proxy, token);
                sendingSeconds = Stopwatch.GetElapsedTime(sending).TotalSeconds;
                await stopFaults.CancelAsync();
                await faults.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

                Say("all messages queued; draining");
                drained = await WaitAsync(() => verifier.IsComplete, TimeSpan.FromSeconds(_options.Drain), token);

                // Late copies (a duplicate routed after everything had arrived once) still count.
                await Task.Delay(QuietPeriod, token);
                await stopProgress.CancelAsync();
                await progress.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (!drained)
                {
                    failure = $"not everything arrived within the {_options.Drain:0} s drain";
                }
            }
            finally
            {
                await Task.WhenAll(clients.Select(c => c.CloseAsync()));
                await Task.Delay(TimeSpan.FromMilliseconds(500), CancellationToken.None);
                await stopClients.CancelAsync();
                await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                foreach (var client in clients)
                {
                    client.Dispose();
                }
            }
        }
        catch (OperationCanceledException) when (hardLimit.IsCancellationRequested)
        {
            failure = cancellationToken.IsCancellationRequested
                ? "interrupted"
                : $"hard timeout: the run did not finish within {_options.EffectiveTimeout.TotalSeconds:0} s";
        }
        finally
        {
            if (proxy is not null)
            {
                await proxy.DisposeAsync();
            }

            if (server is not null)
            {
                await server.DisposeAsync();
            }

            if (trace is not null)
            {
                lock (trace)
                {
                    trace.Dispose();
                }
            }
        }

        var result = new FaultRunResult
        {
            Options = _options,
            Delivery = verifier.Snapshot(),
            Cuts = Enum.GetValues<CutKind>().ToDictionary(k => k, k => proxy?.Cuts(k) ?? 0),
            CutsArmed = Interlocked.Read(ref _armed),
            ConnectionsRefused = proxy?.Refused ?? 0,
            GracefulRestarts = Interlocked.Read(ref _restarts[(int)RestartKind.Graceful]),
            Kills = Interlocked.Read(ref _restarts[(int)RestartKind.Kill]),
            Stats = _stats,
            ServerErrorLines = server?.ErrorLines ?? 0,
            ServerErrors = server is null ? [] : [.. server.LastErrors],
            SendingSeconds = sendingSeconds,
            ElapsedSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds,
            Drained = drained,
            Failure = failure,
            WorkDirectory = _options.Keep ? work : null,
        };

        if (!_options.Keep)
        {
            TryDelete(work);
        }

        return result;
    }

    private IEnumerable<string> ServerSettings()
    {
        // Warnings and above: a 100,000-message run at information level writes a line per connection event.
        yield return "--Logging:LogLevel:Default=" + (_options.Trace ? "Information" : "Warning");
        if (_options.Trace)
        {
            yield return "--Logging:LogLevel:XmppServer.Core.Connections=Trace";
        }

        foreach (var setting in _options.ServerSettings)
        {
            yield return setting;
        }
    }

    /// <summary>
    /// Queues the numbered messages at --rate: sender i, i+1, ... in turn, each to a random other client, and restarts
    /// the server at evenly spaced points of the sequence.
    /// </summary>
    private async Task SendAllAsync(DeliveryVerifier verifier, FaultClient[] clients, ServerProcess server, FaultProxy proxy, CancellationToken cancellationToken)
    {
        var total = _options.Messages;
        var restarts = _options.Restarts;
        var restartAt = Enumerable.Range(1, restarts.Count).Select(k => (long)total * k / (restarts.Count + 1)).ToArray();
        var next = 0;
        Task restarting = Task.CompletedTask;
        await Scenarios.Pacer.RunAsync(_options.Rate, total, null, async i =>
        {
            var sender = (int)(i % clients.Length) + 1;
            var recipient = _random.Next(1, clients.Length);
            if (recipient >= sender)
            {
                recipient++;
            }

            clients[sender - 1].Enqueue(verifier.Register(sender, recipient));
            if (next < restartAt.Length && i + 1 >= restartAt[next])
            {
                var kind = restarts[next++];
                await restarting;
                restarting = RestartAsync(server, proxy, kind, cancellationToken);
            }
        }, cancellationToken);
        await restarting;
    }

    private async Task RestartAsync(ServerProcess server, FaultProxy proxy, RestartKind kind, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        if (kind == RestartKind.Graceful)
        {
            await server.StopAsync(cancellationToken);
        }
        else
        {
            await server.KillAsync(cancellationToken);
        }

        Interlocked.Increment(ref _restarts[(int)kind]);
        await server.StartAsync(cancellationToken);
        proxy.Upstream = new IPEndPoint(IPAddress.Loopback, server.Port);
        Say($"server {(kind == RestartKind.Graceful ? "stopped (SIGTERM)" : "killed (SIGKILL)")} and started again in {watch.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>Cuts at random moments, about --cuts-per-minute of them, of every <see cref="CutKind"/>.</summary>
    private async Task FaultLoopAsync(FaultProxy proxy, FaultClient[] clients, CancellationToken cancellationToken)
    {
        if (_options.CutsPerMinute <= 0)
        {
            return;
        }

        var kinds = Enum.GetValues<CutKind>();
        var mean = 60.0 / _options.CutsPerMinute;
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromSeconds(mean * (0.5 + _faultRandom.NextDouble())), cancellationToken);
            var kind = kinds[_faultRandom.Next(kinds.Length)];
            switch (kind)
            {
                case CutKind.ResetNow:
                    proxy.RandomLink(_faultRandom)?.CutNow(kind, CutMode.Reset);
                    break;

                case CutKind.MidStanzaDown:
                    if (proxy.RandomLink(_faultRandom) is { } link)
                    {
                        link.CutDownAt(link.DownForwarded + 1 + _faultRandom.Next(4096), kind, CutMode.Reset);
                    }

                    break;

                default:
                    // The client picks the moment: its next <a/>, <r/>, answer to <r/> or message.
                    var connected = clients.Where(c => c.IsConnected).ToArray();
                    if (connected.Length > 0)
                    {
                        connected[_faultRandom.Next(connected.Length)].Arm(kind);
                    }

                    break;
            }

            Interlocked.Increment(ref _armed);
        }
    }

    private async Task ProgressLoopAsync(DeliveryVerifier verifier, FaultProxy proxy, CancellationToken cancellationToken)
    {
        if (_options.Quiet || _progress is null)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(ProgressInterval, cancellationToken);
            var d = verifier.Snapshot();
            Say(string.Create(
                CultureInfo.InvariantCulture,
                $"{Stopwatch.GetElapsedTime(started).TotalSeconds,5:0}s queued {d.Messages} acked {d.Acknowledged} delivered {d.Delivered} "
                + $"(acked, not yet delivered {d.Lost}) dup {d.Duplicated} ooo {d.OutOfOrder} | cuts {proxy.TotalCuts} "
                + $"restarts {Interlocked.Read(ref _restarts[0]) + Interlocked.Read(ref _restarts[1])} resumed {_stats.Resumed} fresh {_stats.FreshSessions}"));
        }
    }

    private static async Task<bool> WaitAsync(Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!condition())
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                return false;
            }

            await Task.Delay(50, cancellationToken);
        }

        return true;
    }

    private void Say(string line)
    {
        if (!_options.Quiet && _progress is not null)
        {
            lock (_progress)
            {
                _progress.WriteLine("[faults] " + line);
            }
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
