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

    /// <summary>Runs before any hosted service stops, Kestrel included, so every stream still hears why it ends.</summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var open = connections.All.ToList();
        if (open.Count > 0)
        {
            Log.ClosingConnections(logger, open.Count);
            await Task.WhenAll(open.Select(c => c.CloseAsync(Protocol.StreamErrorCondition.SystemShutdown, null).AsTask()))
                .WaitAsync(services.Options.ShutdownTimeout, cancellationToken)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

            // Give the peers a moment to answer our closing tags (the heartbeat that would drop them is stopping),
            // then drop whoever is left so that shutdown stays bounded.
            var deadline = services.Time.GetUtcNow() + C2sConnection.CloseTimeout;
            while (connections.Count > 0 && services.Time.GetUtcNow() < deadline && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), services.Time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            foreach (var connection in connections.All)
            {
                connection.Abort();
            }
        }
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
    }
}
