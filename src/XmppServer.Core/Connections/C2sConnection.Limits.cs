using System.Net;
using Microsoft.Extensions.Logging;
using XmppServer.Core.Events;
using XmppServer.Protocol;

namespace XmppServer.Core.Connections;

/// <summary>
/// What one connection may cost (Xmpp:Limits): admission per source and while unauthenticated, and read throttles in
/// bytes per connection and elements per session. A throttle never drops anything: the read loop waits before it
/// reads or handles more, the kernel's buffers fill, and TCP slows the sender down.
/// </summary>
internal sealed partial class C2sConnection
{
    private TokenBucket? _byteBucket;
    private TokenBucket? _stanzaBucket;
    private IPAddress? _admittedSource;
    private bool _admitted;
    private bool _countedUnauthenticated;
    private long _carriedBytes; // bytes of the last read left unconsumed, so the next read counts only new ones

    /// <summary>Admits the connection, or ends it with the stream error of the limit it hit.</summary>
    private async ValueTask<bool> TryAdmitAsync()
    {
        if (!_services.Admission.TryAdmit(RemoteAddress, out _admittedSource, out var refusal))
        {
            Log.ConnectionRefused(_services.Logger, Id, RemoteAddress?.ToString() ?? "?", XmppErrors.ToElementName(refusal!.Condition));
            if (!_directTls)
            {
                // RFC 6120 §4.9.1.2: an error before the stream starts still opens the stream first (CloseAsync does).
                await CloseAsync(refusal.Condition, refusal.Text);
            }

            // On the direct TLS port the error could only be sent after a handshake, the very cost a flood imposes:
            // the TCP connection is closed without one.
            return false;
        }

        _admitted = true;
        _countedUnauthenticated = true;
        var limits = _services.Limits;
        _byteBucket = TokenBucket.CreateOrNull(limits.BytesPerSecond, limits.ByteBurst, _services.Time);
        return true;
    }

    /// <summary>SASL succeeded: the connection stops counting against the unauthenticated limit.</summary>
    private void OnAuthenticated()
    {
        if (_countedUnauthenticated)
        {
            _countedUnauthenticated = false;
            _services.Admission.Authenticated();
        }
    }

    private void ReleaseAdmission()
    {
        if (_admitted)
        {
            _admitted = false;
            _services.Admission.Release(_admittedSource, _countedUnauthenticated);
            _countedUnauthenticated = false;
        }
    }

    /// <summary>Charges the bytes of one read; waits, before the next read, until the connection's allowance allows it.</summary>
    private async ValueTask ThrottleReadAsync(long received, CancellationToken cancellationToken)
    {
        if (received > 0 && Volatile.Read(ref _closeStarted) == 0)
        {
            await PayAsync(_byteBucket, received, cancellationToken);
        }
    }

    /// <summary>
    /// After each element of a bound session: tells a deferred deliverer when an acknowledgement made room, then
    /// charges the element and waits before handling the next until the session's allowance allows it.
    /// </summary>
    private async ValueTask AfterElementAsync(CancellationToken cancellationToken)
    {
        if (_session is not { } session || Volatile.Read(ref _closeStarted) != 0)
        {
            return;
        }

        PublishIfDrained(session);

        _stanzaBucket ??= TokenBucket.CreateOrNull(_services.Limits.StanzasPerSecond, _services.Limits.StanzaBurst, _services.Time);
        await PayAsync(_stanzaBucket, 1, cancellationToken);
    }

    /// <summary>Takes from the bucket (none: no limit) and waits out any debt before the loop goes on.</summary>
    private async ValueTask PayAsync(TokenBucket? bucket, double tokens, CancellationToken cancellationToken)
    {
        if (bucket?.Take(tokens) is { } delay && delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, _services.Time, cancellationToken);
        }
    }

    /// <summary>
    /// A session that refused a deferred delivery (stored offline messages) and has room again says so; the deliverer
    /// runs beside this connection's loops, never inside them.
    /// </summary>
    private void PublishIfDrained(ClientSession session)
    {
        if (session.TryTakeDrainedNotice())
        {
            _ = _services.Registry.PublishAsync(new OutboundQueueDrained(session), CancellationToken.None).AsTask();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(250, LogLevel.Warning, "Connection {ConnectionId} from {RemoteAddress} refused: {Condition}", EventName = "ConnectionRefused")]
        public static partial void ConnectionRefused(ILogger logger, string connectionId, string remoteAddress, string condition);
    }
}
