using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using XmppServer.Core.Connections;
using XmppServer.Core.Tls;

namespace XmppServer.Core.Hosting;

/// <summary>
/// The XMPP listeners: client connections accepted on Kestrel's socket transport and handed to
/// <see cref="C2sConnectionHandler"/>. A port of 0 leaves that listener off.
/// </summary>
/// <remarks>
/// The transport is used on its own, without the Kestrel server around it (the Bedrock model): the server adds a
/// connection manager whose heartbeat walks every connection each second, and some 600 bytes of bookkeeping per
/// connection, for HTTP's timeouts, which XMPP streams do not have; ours are kept by <see cref="ConnectionHeartbeat"/>.
/// Registered after every other hosted service, so that it stops first: no connection is accepted while the rest of
/// the server shuts down (the streams were already closed by <see cref="ConnectionHeartbeat.StoppingAsync"/>).
/// </remarks>
public static class XmppListeners
{
    /// <summary>Adds the listeners; call it after everything else the server registers.</summary>
    public static IServiceCollection AddXmppListeners(this IServiceCollection services)
    {
        services.AddOptions<SocketTransportOptions>();
        services.AddHostedService<XmppListenerService>();
        return services;
    }
}

internal sealed partial class XmppListenerService(
    IOptions<Connections.ListenOptions> listen,
    IOptions<SocketTransportOptions> transportOptions,
    C2sConnectionHandler handler,
    CertificateProvider certificates,
    ILoggerFactory loggerFactory,
    ILogger<XmppListenerService> logger) : IHostedService, IAsyncDisposable
{
    /// <summary>After a failed accept (out of file descriptors, say), how long before the next.</summary>
    private static readonly TimeSpan AcceptRetryDelay = TimeSpan.FromMilliseconds(100);

    private readonly List<IConnectionListener> _listeners = [];
    private readonly List<Task> _acceptLoops = [];

    // Completes once the listeners are stopped and every connection they accepted has been disposed.
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private SocketTransportFactory? _transport;

    // Connections accepted and not yet disposed; one more while the listeners run, so it reaches 0 only after a stop.
    private int _open = 1;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Fail at start, not at the first client, when the certificate cannot be loaded or made.
        certificates.EnsureLoaded();

        _transport = new SocketTransportFactory(transportOptions, loggerFactory);
        // XEP-0368: direct TLS on its own port. Bound first: a port accepts from the moment it is bound, and whoever
        // waits for the server by probing the standard port (5222) then finds the other one up too.
        var options = listen.Value;
        await ListenAsync(options.Address, options.C2sTlsPort, directTls: true, cancellationToken);
        await ListenAsync(options.Address, options.C2sPort, directTls: false, cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var listener in _listeners)
        {
            await listener.UnbindAsync(cancellationToken);
        }

        await Task.WhenAll(_acceptLoops).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        // ConnectionHeartbeat closed every stream before any hosted service stopped; what still runs was accepted since
        // (and is being told the server is going down) or is settling its session.
        Release();
        await _drained.Task.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var listener in _listeners)
        {
            await listener.DisposeAsync();
        }

        _listeners.Clear();
    }

    private async Task ListenAsync(string address, int port, bool directTls, CancellationToken cancellationToken)
    {
        if (port == 0)
        {
            return;
        }

        var listener = string.IsNullOrEmpty(address) || address == "*"
            ? await BindAnyAsync(port, cancellationToken)
            : await BindAsync(new IPEndPoint(IPAddress.Parse(address), port), cancellationToken);
        _listeners.Add(listener);
        Log.Listening(logger, listener.EndPoint.ToString() ?? port.ToString(System.Globalization.CultureInfo.InvariantCulture), directTls);
        _acceptLoops.Add(AcceptLoopAsync(listener, directTls));
    }

    /// <summary>Every interface: IPv6 with IPv4 mapped onto it, or IPv4 alone where the host has no IPv6.</summary>
    private async Task<IConnectionListener> BindAnyAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            return await BindAsync(new IPEndPoint(IPAddress.IPv6Any, port), cancellationToken);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressFamilyNotSupported or SocketError.AddressNotAvailable)
        {
            return await BindAsync(new IPEndPoint(IPAddress.Any, port), cancellationToken);
        }
    }

    private async Task<IConnectionListener> BindAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        try
        {
            return await _transport!.BindAsync(endpoint, cancellationToken);
        }
        catch (AddressInUseException ex)
        {
            // An IOException, as the host reports bind failures: the CLI prints it and exits with an error.
            throw new IOException($"Failed to bind to address {endpoint}: address already in use.", ex);
        }
    }

    private async Task AcceptLoopAsync(IConnectionListener listener, bool directTls)
    {
        // Off the caller's thread: StartAsync returns once every listener is bound.
        await Task.Yield();
        while (true)
        {
            ConnectionContext? connection;
            try
            {
                connection = await listener.AcceptAsync();
            }
            catch (Exception ex) when (ex is SocketException or IOException)
            {
                // A failed accept is one client's problem, or a passing one (out of file descriptors): keep serving.
                Log.AcceptFailed(logger, ex, listener.EndPoint.ToString() ?? "?");
                await Task.Delay(AcceptRetryDelay);
                continue;
            }

            if (connection is null)
            {
                // Unbound: the server is stopping.
                return;
            }

            // Counted before it runs, so that a stop arriving now waits for it. Each connection runs on its own from
            // here; the accept loop only accepts.
            Interlocked.Increment(ref _open);
            ThreadPool.UnsafeQueueUserWorkItem(
                static state => _ = state.Service.RunAsync(state.Connection, state.DirectTls),
                (Service: this, Connection: connection, DirectTls: directTls),
                preferLocal: false);
        }
    }

    private async Task RunAsync(ConnectionContext connection, bool directTls)
    {
        try
        {
            await handler.OnConnectedAsync(connection, directTls);
        }
        catch (Exception ex)
        {
            Log.ConnectionFailed(logger, ex, connection.ConnectionId);
        }
        finally
        {
            // Closes the socket once what is still buffered was sent (no reset).
            await connection.DisposeAsync();
            Release();
        }
    }

    /// <summary>A connection was disposed, or the listeners stopped: the last of them completes the drain.</summary>
    private void Release()
    {
        if (Interlocked.Decrement(ref _open) == 0)
        {
            _drained.TrySetResult();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(240, LogLevel.Information, "Listening on {EndPoint} (direct TLS: {DirectTls})", EventName = "Listening")]
        public static partial void Listening(ILogger logger, string endPoint, bool directTls);

        [LoggerMessage(241, LogLevel.Warning, "Accepting a connection on {EndPoint} failed", EventName = "AcceptFailed")]
        public static partial void AcceptFailed(ILogger logger, Exception exception, string endPoint);

        [LoggerMessage(242, LogLevel.Error, "Connection {ConnectionId} failed", EventName = "ListenerConnectionFailed")]
        public static partial void ConnectionFailed(ILogger logger, Exception exception, string connectionId);
    }
}
