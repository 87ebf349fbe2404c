using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using XmppServer.Core.Events;
using XmppServer.Core.Routing;
using XmppServer.Protocol;

namespace XmppServer.Core.Connections;

/// <summary>
/// One client-to-server stream (RFC 6120). The read loop parses and handles one top-level element at a time, so a
/// client's stanzas are processed in order. Until a resource is bound the read loop writes its answers itself; after
/// that a single write loop drains the session's queue. Both take <see cref="_writeLock"/>, so a stream error from
/// the heartbeat or from shutdown never interleaves with a stanza.
/// </summary>
internal sealed partial class C2sConnection : IDisposable
{
    private const string StanzaNamespace = Namespaces.Client;

    private readonly ConnectionContext _context;
    private readonly C2sServices _services;
    private readonly bool _directTls;
    private readonly XmppStreamParser _parser;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _lifetime = new();

    private PipeReader _input;
    private PipeWriter _output;
    private SslStream? _ssl;
    private ClientSession? _session;
    private Task? _writeLoop;
    private int _closeStarted;
    private bool _closeSent;
    private bool _headerSent;
    private long _lastActivity;
    private long _pingSentAt;

    public C2sConnection(ConnectionContext context, C2sServices services, bool directTls)
    {
        _context = context;
        _services = services;
        _directTls = directTls;
        _input = context.Transport.Input;
        _output = context.Transport.Output;
        _parser = new XmppStreamParser(services.ParserOptions);
        Id = context.ConnectionId;
        RemoteAddress = (context.RemoteEndPoint as IPEndPoint)?.Address;
        ConnectedAt = Environment.TickCount64;
        _lastActivity = ConnectedAt;
    }

    public string Id { get; }

    public IPAddress? RemoteAddress { get; }

    /// <summary>Environment.TickCount64 at accept.</summary>
    public long ConnectedAt { get; }

    /// <summary>Environment.TickCount64 of the last bytes received.</summary>
    public long LastActivity => Volatile.Read(ref _lastActivity);

    public bool IsBound => _session is not null;

    public bool IsSecure => _ssl is not null;

    public async Task RunAsync()
    {
        _services.Connections.Add(this);
        Log.ConnectionAccepted(_services.Logger, Id, _context.RemoteEndPoint?.ToString() ?? "?", _directTls);
        var cancellationToken = _lifetime.Token;
        try
        {
            if (_directTls && !await StartTlsAsync(cancellationToken))
            {
                return;
            }

            await ReadLoopAsync(cancellationToken);
        }
        catch (XmppStreamException ex)
        {
            Log.StreamErrorSent(_services.Logger, Id, XmppErrors.ToElementName(ex.Condition), ex.Text ?? string.Empty);
            await CloseAsync(ex.Condition, ex.Text);
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException or OperationCanceledException or ObjectDisposedException or AuthenticationException)
        {
            // The peer went away or the TLS handshake failed: nothing to tell it.
            Log.ConnectionLost(_services.Logger, Id, ex.GetType().Name);
        }
        catch (Exception ex)
        {
            Log.ConnectionFailed(_services.Logger, ex, Id);
            await CloseAsync(StreamErrorCondition.InternalServerError, null);
        }
        finally
        {
            await TearDownAsync();
        }
    }

    /// <summary>
    /// Ends the stream (RFC 6120 §4.4): an optional stream error, then the closing tag. The read loop keeps reading
    /// until the peer closes its side or the close timeout passes.
    /// </summary>
    public async ValueTask CloseAsync(StreamErrorCondition? error, string? text)
    {
        if (Interlocked.Exchange(ref _closeStarted, 1) != 0)
        {
            return;
        }

        _session?.MarkClosing();
        try
        {
            await _writeLock.WaitAsync(_lifetime.Token);
            try
            {
                if (!_headerSent)
                {
                    // RFC 6120 §4.9.1.2: an error before the stream is set up still opens the stream first.
                    WriteResponseHeader(_services.Domains.Default, null);
                }

                if (error is { } condition)
                {
                    XmppWriter.WriteElement(_output, XmppErrors.StreamError(condition, text), StanzaNamespace);
                }

                XmppWriter.WriteStreamEnd(_output);
                _closeSent = true;
                await _output.FlushAsync(_lifetime.Token);
            }
            finally
            {
                _writeLock.Release();
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // Already gone.
        }

        // RFC 6120 §4.4: wait a little for the peer's closing tag, then drop the TCP connection regardless.
        _ = AbortAfterAsync(TimeSpan.FromSeconds(5));
    }

    /// <summary>Called by the heartbeat once a second.</summary>
    public void OnHeartbeat(long now)
    {
        if (Volatile.Read(ref _closeStarted) != 0)
        {
            return;
        }

        var options = _services.Options;
        if (_session is not { } session)
        {
            if (now - ConnectedAt > (long)options.NegotiationTimeout.TotalMilliseconds)
            {
                // Slow or stalled negotiation (slow-loris): RFC 6120 §4.9.3.4 connection-timeout.
                _ = CloseAsync(StreamErrorCondition.ConnectionTimeout, "Negotiation took too long").AsTask();
            }

            return;
        }

        var idle = now - LastActivity;
        var pingSentAt = Volatile.Read(ref _pingSentAt);
        if (pingSentAt != 0)
        {
            if (LastActivity > pingSentAt)
            {
                Volatile.Write(ref _pingSentAt, 0);
            }
            else if (now - pingSentAt > (long)options.PingTimeout.TotalMilliseconds)
            {
                _ = CloseAsync(StreamErrorCondition.ConnectionTimeout, null).AsTask();
            }
        }
        else if (idle > (long)options.IdleTimeout.TotalMilliseconds)
        {
            // XEP-0199 §4.2: a server-to-client ping checks that a silent client is still there.
            Volatile.Write(ref _pingSentAt, now);
            var ping = new XmppElement("iq", StanzaNamespace) { Type = "get", Id = "ping-" + now.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            ping.From = session.Jid.Domain;
            ping.To = session.Jid.ToString();
            ping.AddElement("ping", Namespaces.Ping);
            session.Send(ping);
        }
    }

    private async Task ReadLoopAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken);
            if (result.IsCanceled)
            {
                return;
            }

            var buffer = result.Buffer;
            var consumed = buffer.Start;
            var action = LoopAction.Continue;
            if (!buffer.IsEmpty)
            {
                Volatile.Write(ref _lastActivity, Environment.TickCount64);
            }

            try
            {
                while (action == LoopAction.Continue && _parser.TryParse(buffer.Slice(consumed), out var end, out var streamEvent))
                {
                    consumed = end;
                    action = await HandleEventAsync(streamEvent, cancellationToken);
                }
            }
            finally
            {
                // Consumed: up to the last complete event. Examined: everything, so the next read waits for more bytes.
                _input.AdvanceTo(consumed, action == LoopAction.Continue ? buffer.End : consumed);
            }

            switch (action)
            {
                case LoopAction.Stop:
                    return;
                case LoopAction.StartTls:
                    if (!await StartTlsAsync(cancellationToken))
                    {
                        return;
                    }

                    continue;
            }

            if (result.IsCompleted)
            {
                // The peer closed TCP without a closing tag (RFC 6120 §4.4 allows no more than that).
                return;
            }
        }
    }

    private async ValueTask<LoopAction> HandleEventAsync(XmppStreamEvent streamEvent, CancellationToken cancellationToken)
    {
        switch (streamEvent.Kind)
        {
            case XmppStreamEventKind.StreamStart:
                await OnStreamStartAsync(streamEvent.Element!, cancellationToken);
                return LoopAction.Continue;

            case XmppStreamEventKind.StreamEnd:
                // RFC 6120 §4.4: answer the peer's closing tag with ours, then close.
                Log.StreamClosedByPeer(_services.Logger, Id);
                await CloseAsync(null, null);
                return LoopAction.Stop;

            default:
                var element = streamEvent.Element!;
                if (_services.TraceStanzas)
                {
                    Log.StanzaReceived(_services.Logger, Id, element.ToString());
                }

                if (Volatile.Read(ref _closeStarted) != 0)
                {
                    // After our closing tag nothing the peer sends is processed (RFC 6120 §4.4).
                    return LoopAction.Continue;
                }

                return _session is { } session
                    ? await OnSessionElementAsync(session, element, cancellationToken)
                    : await OnNegotiationElementAsync(element, cancellationToken);
        }
    }

    private async ValueTask<LoopAction> OnSessionElementAsync(ClientSession session, XmppElement element, CancellationToken cancellationToken)
    {
        if (element.Namespace == StanzaNamespace && StanzaRouter.TryKind(element.Name, out var kind))
        {
            if (kind == StanzaKind.Iq && IsLegacySessionRequest(element))
            {
                // RFC 3921 §3 session establishment, kept as a no-op (RFC 6121 Appendix E); Pidgin aborts on an error.
                session.Send(new XmppElement("iq", StanzaNamespace) { Type = "result", Id = element.Id });
                return LoopAction.Continue;
            }

            if (kind == StanzaKind.Iq && element.Type == "set" && element.Element("bind", Namespaces.Bind) is not null)
            {
                // RFC 6120 §7.7.1: one resource per stream.
                session.Send(XmppErrors.ErrorReply(element, StanzaErrorCondition.NotAllowed, text: "A resource is bound already"));
                return LoopAction.Continue;
            }

            await _services.Router.ProcessFromClientAsync(session, element, kind, cancellationToken);
            return LoopAction.Continue;
        }

        if (_services.Registry.FindStreamElementHandler(element.Namespace, element.Name) is { } handler)
        {
            await handler(session, element, cancellationToken);
            return LoopAction.Continue;
        }

        // RFC 6120 §4.9.3.24: a top-level element the server does not understand.
        throw new XmppStreamException(StreamErrorCondition.UnsupportedStanzaType);
    }

    private static bool IsLegacySessionRequest(XmppElement iq)
        => iq.Type == "set" && iq.Element("session", Namespaces.Session) is not null;

    /// <summary>Writes negotiation output directly (before the write loop exists) and flushes.</summary>
    private async ValueTask WriteAsync(XmppElement element, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            if (_closeSent)
            {
                return;
            }

            if (_services.TraceStanzas)
            {
                Log.StanzaSent(_services.Logger, Id, element.ToString());
            }

            XmppWriter.WriteElement(_output, element, StanzaNamespace);
            await _output.FlushAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>The session's single writer: drains the queue in batches and flushes once per batch.</summary>
    private async Task WriteLoopAsync(ClientSession session)
    {
        var reader = session.Outbound;
        var cancellationToken = _lifetime.Token;
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken))
            {
                await _writeLock.WaitAsync(cancellationToken);
                try
                {
                    if (_closeSent)
                    {
                        return;
                    }

                    while (reader.TryRead(out var stanza))
                    {
                        if (_services.TraceStanzas)
                        {
                            Log.StanzaSent(_services.Logger, Id, stanza.ToString());
                        }

                        XmppWriter.WriteElement(_output, stanza, StanzaNamespace);
                    }

                    var flush = await _output.FlushAsync(cancellationToken);
                    if (flush.IsCompleted || flush.IsCanceled)
                    {
                        return;
                    }
                }
                finally
                {
                    _writeLock.Release();
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException or ConnectionResetException)
        {
            // The peer is gone; the read loop notices too and tears down.
        }
    }

    private void WriteResponseHeader(string domain, string? to)
    {
        _streamId = NewStreamId();
        XmppWriter.WriteStreamHeader(_output, StanzaNamespace, from: domain, to: to, id: _streamId, lang: _services.Language);
        _headerSent = true;
    }

    private string _streamId = string.Empty;

    private static string NewStreamId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    private async Task AbortAfterAsync(TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _lifetime.Token);
            _input.CancelPendingRead();
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task TearDownAsync()
    {
        _services.Connections.Remove(this);
        var session = _session;
        if (session is not null)
        {
            session.MarkClosing();
            var wasBound = _services.Sessions.Remove(session);
            if (wasBound)
            {
                Log.SessionEnded(_services.Logger, Id, session.Jid.ToString());
            }

            if (_writeLoop is not null)
            {
                await _writeLoop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            // Stanzas still queued never reached the client: messages go back to routing, which finds another resource
            // or offline storage now that this one is unbound (RFC 6121 §8.5.3.2.1). Nothing accepted is dropped here.
            await RequeueUndeliveredAsync(session);
            if (wasBound)
            {
                try
                {
                    await _services.Registry.PublishAsync(new SessionClosed(session, session.IsAvailable), CancellationToken.None);
                }
                catch (Exception ex)
                {
                    Log.ConnectionFailed(_services.Logger, ex, Id);
                }
            }
        }

        if (_closeSent)
        {
            await ShutDownGracefullyAsync();
        }

        await _lifetime.CancelAsync();
        try
        {
            await _output.CompleteAsync();
            await _input.CompleteAsync();
            if (_ssl is not null)
            {
                await _ssl.DisposeAsync();
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
        }

        _context.Abort();
        Log.ConnectionClosed(_services.Logger, Id);
    }

    /// <summary>
    /// After our closing tag: TLS close_notify, then a TCP half-close, then read (and discard) until the peer closes
    /// too or a short time passes. Closing a socket with unread input makes the kernel send a reset, which can destroy
    /// the stream error we just wrote before the peer reads it.
    /// </summary>
    private async Task ShutDownGracefullyAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            if (_ssl is not null)
            {
                await _ssl.ShutdownAsync();
            }

            await _context.Transport.Output.CompleteAsync();
            while (true)
            {
                var result = await _input.ReadAsync(timeout.Token);
                _input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException or ConnectionResetException or AuthenticationException)
        {
            // Gone, or too slow to say goodbye.
        }
    }

    private async ValueTask RequeueUndeliveredAsync(ClientSession session)
    {
        while (session.Outbound.TryRead(out var stanza))
        {
            if (stanza.Name == "message" && stanza.Type is null or "chat" or "normal")
            {
                try
                {
                    await _services.Router.RouteAsync(stanza, CancellationToken.None);
                }
                catch (Exception ex)
                {
                    Log.ConnectionFailed(_services.Logger, ex, Id);
                }
            }
        }
    }

    public void Dispose()
    {
        _lifetime.Dispose();
        _writeLock.Dispose();
    }

    private enum LoopAction
    {
        Continue,
        StartTls,
        Stop,
    }
}
