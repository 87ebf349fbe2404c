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
    private long _closeStartedAt;
    private StreamErrorCondition? _closeCondition;
    private int _aborted;
    private bool _closeSent;
    private bool _headerSent;
    private string _streamId = string.Empty;
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
            if (!await TryAdmitAsync())
            {
                return;
            }

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
            _readLoopDone.TrySetResult();
            await TearDownAsync();
        }
    }

    /// <summary>
    /// Ends the stream (RFC 6120 §4.4): an optional stream error, then the closing tag. The session leaves the session
    /// manager first, so that nothing more is routed to it. Writing is bounded: a peer that reads nothing cannot hold
    /// the close up; the heartbeat aborts a close that takes longer than <see cref="CloseTimeout"/>.
    /// </summary>
    public async ValueTask CloseAsync(StreamErrorCondition? error, string? text)
    {
        if (Interlocked.Exchange(ref _closeStarted, 1) != 0)
        {
            return;
        }

        Volatile.Write(ref _closeStartedAt, Environment.TickCount64);
        _closeCondition = error;
        if (_session is { } session && session.IsOwnedBy(this) && !KeepsForResumption(session, error))
        {
            _services.Sessions.Remove(session);
            session.MarkClosing();
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
        timeout.CancelAfter(CloseTimeout);
        try
        {
            await _writeLock.WaitAsync(timeout.Token);
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
                await _output.FlushAsync(timeout.Token);
            }
            finally
            {
                _writeLock.Release();
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException or ConnectionResetException)
        {
            // Gone, or not reading: the heartbeat aborts the connection once the close timeout has passed.
        }
    }

    /// <summary>
    /// XEP-0198 §5: a resumable session whose client only went silent stays bound, its queue open, so that the client
    /// can resume it; the teardown then lets it hibernate.
    /// </summary>
    private bool KeepsForResumption(ClientSession session, StreamErrorCondition? error)
        => error == StreamErrorCondition.ConnectionTimeout && session.StreamManagement is { Resumable: true }
            && _services.StreamManagement.ResumeTimeout > TimeSpan.Zero;

    /// <summary>Bytes (estimated) the write loop writes before it flushes.</summary>
    private const int MaxBatchBytes = 64 * 1024;

    /// <summary>How long a close may take (our closing tag written, the peer's awaited) before the connection is dropped.</summary>
    internal static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Called by the heartbeat once a second.</summary>
    public void OnHeartbeat(long now)
    {
        if (Volatile.Read(ref _closeStarted) != 0)
        {
            // RFC 6120 §4.4: the peer had its chance to answer our closing tag; drop the TCP connection.
            if (now - Volatile.Read(ref _closeStartedAt) > (long)CloseTimeout.TotalMilliseconds)
            {
                Abort();
            }

            return;
        }

        var options = _services.Options;
        if (_session is not { } session)
        {
            // Time spent waiting for a throttled SASL verdict is the server's doing, not the client's slowness.
            if (now - ConnectedAt - Volatile.Read(ref _verdictHeldMilliseconds) > (long)options.NegotiationTimeout.TotalMilliseconds)
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
            // The clock ticks coarsely (milliseconds at best): an answer within the same tick as the ping still counts.
            if (LastActivity >= pingSentAt)
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
        try
        {
            await ReadElementsAsync(cancellationToken);
        }
        finally
        {
            _readLoopDone.TrySetResult();
        }
    }

    private async Task ReadElementsAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken);
            if (result.IsCanceled)
            {
                _input.AdvanceTo(result.Buffer.Start);
                return;
            }

            var buffer = result.Buffer;
            var consumed = buffer.Start;
            var action = LoopAction.Continue;
            var received = buffer.Length - _carriedBytes;
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
                    if (action == LoopAction.Continue && streamEvent.Kind == XmppStreamEventKind.Element)
                    {
                        await AfterElementAsync(cancellationToken);
                    }
                }
            }
            finally
            {
                _carriedBytes = buffer.Slice(consumed).Length;

                // Consumed: up to the last complete event. Examined: everything, so the next read waits for more bytes.
                _input.AdvanceTo(consumed, action == LoopAction.Continue ? buffer.End : consumed);
            }

            switch (action)
            {
                case LoopAction.Stop:
                    return;
                case LoopAction.StartTls:
                    // What is left of the plaintext pipe is TLS data for the handshake, not stream bytes.
                    _carriedBytes = 0;
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

            await ThrottleReadAsync(received, cancellationToken);
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
                // Never SASL data: it carries passwords (PLAIN) and proofs (SCRAM).
                if (_services.TraceStanzas && element.Namespace != Namespaces.Sasl)
                {
                    Log.StanzaReceived(_services.Logger, Id, element.ToString());
                }

                if (Volatile.Read(ref _closeStarted) != 0 || _resumedAway)
                {
                    // After our closing tag nothing the peer sends is processed (RFC 6120 §4.4); nor once another
                    // connection resumed this one's session (XEP-0198 §5), which now counts what it handles.
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
                session.StreamManagement?.Handled();
                return LoopAction.Continue;
            }

            if (kind == StanzaKind.Iq && element.Type == "set" && element.Element("bind", Namespaces.Bind) is not null)
            {
                // RFC 6120 §7.7.1: one resource per stream.
                session.Send(XmppErrors.ErrorReply(element, StanzaErrorCondition.NotAllowed, text: "A resource is bound already"));
                session.StreamManagement?.Handled();
                return LoopAction.Continue;
            }

            try
            {
                // XEP-0198 §4: a stanza read from the stream is handled to the end even when the connection dies
                // meanwhile. Abandoned half-way and not counted, it would be sent again after resumption, and what
                // the first attempt did (archived, delivered) would happen twice.
                await _services.Router.ProcessFromClientAsync(session, element, kind, CancellationToken.None);

                // XEP-0198 §4: a stanza counts as handled once the server has taken responsibility for it.
                session.StreamManagement?.Handled();
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // A failing module or store costs this stanza, not the stream: the sender of a request hears that
                // it failed (never why), and the connection goes on.
                Log.StanzaFailed(_services.Logger, ex, Id, element.Name);
                session.StreamManagement?.Handled();
                if (kind == StanzaKind.Iq && element.Type is "get" or "set")
                {
                    session.Send(XmppErrors.ErrorReply(element, StanzaErrorCondition.InternalServerError));
                }
            }

            return LoopAction.Continue;
        }

        if (element.Namespace == Namespaces.StreamManagement && _services.StreamManagement.Enabled)
        {
            OnStreamManagementElement(session, element);
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

    /// <summary>
    /// The session's single writer: drains the queue in batches and flushes once per batch. With XEP-0198 it keeps
    /// every stanza written after &lt;enabled/&gt; until acknowledged, and asks for an acknowledgement after a batch.
    /// </summary>
    private async Task WriteLoopAsync(ClientSession session, bool countingFromStart)
    {
        var cancellationToken = _lifetime.Token;
        var counting = countingFromStart;
        try
        {
            // The wait takes no token (see WaitForQueuedAsync): the connection's end cancels the lifetime, then wakes
            // this loop through the queue.
            while (await session.WaitForQueuedAsync())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var overflow = false;
                await _writeLock.WaitAsync(cancellationToken);
                try
                {
                    if (_closeSent)
                    {
                        return;
                    }

                    // A batch ends at MaxBatchBytes: what is written waits in the pipe until the flush, beside the
                    // stanzas it came from, so a peer that reads nothing holds at most one batch of copies.
                    var batchBytes = 0L;
                    while (batchBytes < MaxBatchBytes && session.TryTakeQueued(out var queued))
                    {
                        var stanza = queued.Stanza;
                        batchBytes += queued.Size;
                        session.Dequeued(queued.Size);
                        if (_services.TraceStanzas)
                        {
                            Log.StanzaSent(_services.Logger, Id, stanza.ToString());
                        }

                        if (stanza.Is("a", Namespaces.StreamManagement) && session.StreamManagement is { } answering)
                        {
                            // XEP-0198 §4: h is what was handled when the answer goes out. An answer queued on a
                            // connection that died before writing it goes out after a resumption's <resumed h/>, and
                            // with its old count it would take back acknowledgements the client already has.
                            stanza.SetAttribute("h", answering.InboundHandled.ToString(System.Globalization.CultureInfo.InvariantCulture));
                        }

                        XmppWriter.WriteElement(_output, stanza, StanzaNamespace);
                        if (counting && IsCountedStanza(stanza))
                        {
                            session.StreamManagement!.Sent(queued);
                        }
                        else if (stanza.Is("enabled", Namespaces.StreamManagement))
                        {
                            // XEP-0198 §4: the server counts what it sends from <enabled/> on.
                            counting = true;
                        }
                    }

                    if (counting && session.StreamManagement is { RequestPending: false } state && state.UnackedCount > 0)
                    {
                        // XEP-0198 §4: ask for an acknowledgement, so the unacknowledged queue stays short.
                        XmppWriter.WriteElement(_output, new XmppElement("r", Namespaces.StreamManagement), StanzaNamespace);
                        state.RequestPending = true;
                    }

                    overflow = counting && session.StreamManagement!.UnackedCount > _services.Options.MaxOutboundQueue;
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

                if (overflow)
                {
                    // A client that acknowledges nothing: the same slow-consumer policy as a full queue.
                    _ = CloseAsync(StreamErrorCondition.PolicyViolation, "Too many unacknowledged stanzas").AsTask();
                    return;
                }

                PublishIfDrained(session);
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

    private static string NewStreamId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    /// <summary>Drops the connection without further ceremony: unblocks a stuck flush and the read loop.</summary>
    internal void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0)
        {
            return;
        }

        _output.CancelPendingFlush();
        _input.CancelPendingRead();
        _context.Abort();
        try
        {
            _lifetime.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        _session?.WakeWriter();
    }

    private async Task TearDownAsync()
    {
        _services.Connections.Remove(this);
        ReleaseAdmission();

        // The read side is done: stop the write loop (it waits on the session's queue, which stays open for a
        // session that may be resumed) before deciding what becomes of the session.
        await _lifetime.CancelAsync();
        if (_session is { } session)
        {
            if (_writeLoop is not null)
            {
                session.WakeWriter();
                await _writeLoop.WaitAsync(CloseTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (!_writeLoop.IsCompleted)
                {
                    // Stuck flushing to a peer that reads nothing.
                    Abort();
                    await _writeLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            }

            try
            {
                await ReleaseSessionAsync(session);
            }
            catch (Exception ex)
            {
                Log.ConnectionFailed(_services.Logger, ex, Id);
            }
        }

        if (_closeSent && Volatile.Read(ref _aborted) == 0)
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

        // Returning hands the socket back to the listener, which closes it after what is still buffered (no reset).
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
