using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace XmppServer.Core.Connections;

/// <summary>
/// One timer for every connection's timeouts (negotiation, idle ping, ping answer), instead of a timer each; and on
/// shutdown, <c>&lt;system-shutdown/&gt;</c> to every stream (RFC 6120 §4.9.3.20) within the shutdown timeout.
/// </summary>
internal sealed partial class ConnectionHeartbeat(
    ConnectionRegistry connections,
    C2sServices services,
    ILogger<ConnectionHeartbeat> logger) : BackgroundService, IHostedLifecycleService
{
    /// <summary>Configures the modules before anything listens, so a bad registration fails start-up.</summary>
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        services.Registry.EnsureConfigured();
        return Task.CompletedTask;
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Graceful shutdown (SIGTERM, Ctrl+C). Runs before any hosted service stops, the listeners included, so every stream
    /// still hears why it ends and the router and the stores are still there for what the sessions leave behind:
    /// <list type="number">
    /// <item>no new connection is served;</item>
    /// <item>every stream gets <c>&lt;system-shutdown/&gt;</c> and its closing tag (RFC 6120 §4.9.3.22);</item>
    /// <item>each connection's teardown ends its session: what was queued and never written, and with XEP-0198
    /// what the client never acknowledged, is routed again, which with every session gone means offline storage;</item>
    /// <item>after <see cref="ConnectionOptions.ShutdownTimeout"/> the connections left are dropped, and their
    /// teardowns get <see cref="C2sConnection.CloseTimeout"/> more;</item>
    /// <item>sessions waiting for resumption (XEP-0198 §5) end the same way, their stanzas stored, not dropped.</item>
    /// </list>
    /// The whole takes at most ShutdownTimeout + CloseTimeout plus the store writes; the host's own limit is set
    /// above that (XmppCoreServiceCollectionExtensions).
    /// </summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var started = services.Time.GetTimestamp();
        var allEnded = connections.StopAccepting();
        var open = connections.All.ToList();
        var shutdownTimeout = services.Options.ShutdownTimeout;
        if (open.Count > 0)
        {
            Log.ClosingConnections(logger, open.Count);
            await Task.WhenAll(open.Select(c => c.CloseAsync(Protocol.StreamErrorCondition.SystemShutdown, null).AsTask()))
                .WaitAsync(shutdownTimeout, services.Time, cancellationToken)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        // The peers answer our closing tags and the teardowns settle the sessions; the heartbeat that would drop a
        // silent peer is stopping, so whoever is left when the time is up is dropped here.
        var left = shutdownTimeout - services.Time.GetElapsedTime(started);
        await allEnded.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, services.Time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!allEnded.IsCompleted)
        {
            foreach (var connection in connections.All)
            {
                connection.Abort();
            }

            await allEnded.WaitAsync(C2sConnection.CloseTimeout, services.Time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        // XEP-0198 §5: a session waiting to be resumed cannot be resumed after the restart; it ends now, and what it
        // holds goes where an expired window sends it.
        var hibernating = 0;
        foreach (var session in services.Resumable.Hibernating().ToList())
        {
            await services.Terminator.EndIfHibernatingAsync(session);
            hibernating++;
        }

        Log.ShutdownComplete(logger, open.Count, hibernating, (long)services.Time.GetElapsedTime(started).TotalMilliseconds);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), services.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = Environment.TickCount64;
                foreach (var connection in connections.All)
                {
                    connection.OnHeartbeat(now);
                }

                // XEP-0198 §5: a session not resumed within its window ends; what it never acknowledged is routed again.
                foreach (var session in services.Resumable.Expired(now, services.StreamManagement.ResumeTimeout))
                {
                    await services.Terminator.EndIfHibernatingAsync(session);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(220, LogLevel.Information, "Shutting down: closing {Count} connections", EventName = "ClosingConnections")]
        public static partial void ClosingConnections(ILogger logger, int count);

        [LoggerMessage(221, LogLevel.Information, "Shutdown: {Connections} connections closed, {Hibernating} waiting sessions ended, in {Milliseconds} ms", EventName = "ShutdownComplete")]
        public static partial void ShutdownComplete(ILogger logger, int connections, int hibernating, long milliseconds);
    }
}
