using System.Globalization;
using System.Net.Sockets;
using System.Threading.Channels;
using XmppServer.LoadTest.Client;
using XmppServer.LoadTest.Xml;

namespace XmppServer.LoadTest.Faults;

/// <summary>
/// A client that never gives up on a message, as a mobile client with XEP-0198 should behave: it counts what it
/// receives and answers the server's &lt;r/&gt;; keeps what it sent until the server's h covers it and resends the rest
/// after resuming (XEP-0198 §5); and when resumption fails it binds a new session, catches up from the archive
/// (XEP-0313) before it sends available presence, then collects offline messages (XEP-0160) with its presence and
/// resends what the old session never acknowledged. Every copy of every message goes to the <see
/// cref="DeliveryVerifier"/>, which plays the application deduplicating by stanza-id and origin-id.
/// </summary>
/// <remarks>
/// The catch-up starts <see cref="FaultClientSettings.CatchUpMargin"/> before the archive time of the last message
/// this client saw, not right after it: archive order is the order of the archive commits, and a message from one
/// sender may be committed just before another sender's and still be queued for delivery just after it. Whatever is
/// fetched twice is dropped by stanza-id.
/// </remarks>
internal sealed class FaultClient : IDisposable
{
    private const string SmNs = "urn:xmpp:sm:3";
    private const string BindNs = "urn:ietf:params:xml:ns:xmpp-bind";
    private const string MamNs = "urn:xmpp:mam:2";
    private const string SidNs = "urn:xmpp:sid:0";
    private const string DelayNs = "urn:xmpp:delay";
    private const string ForwardNs = "urn:xmpp:forward:0";
    private const string RsmNs = "http://jabber.org/protocol/rsm";
    private const string DataNs = "jabber:x:data";
    private const string PingNs = "urn:xmpp:ping";
    private const string StanzasNs = "urn:ietf:params:xml:ns:xmpp-stanzas";

    private static readonly TimeSpan LoginTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan IqTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan IdleRequestInterval = TimeSpan.FromMilliseconds(250);

    private readonly FaultClientSettings _settings;
    private readonly FaultProxy _proxy;
    private readonly DeliveryVerifier _verifier;
    private readonly FaultStats _stats;
    private readonly Random _random;
    private readonly Channel<OutgoingMessage> _outbox = Channel.CreateUnbounded<OutgoingMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    // XEP-0198 state of the current session; _sm guards it.
    private readonly Lock _sm = new();
    private readonly Queue<Sent> _unacked = new();
    private readonly Queue<OutgoingMessage> _carryOver = new();
    private string? _smId;
    private uint _inbound;
    private uint _acked;
    private bool _requestOutstanding;
    private bool _available;
    private TaskCompletionSource _ackSignal = NewSignal();

    // The connection of the moment and what hangs on it.
    private FaultConnection? _connection;
    private readonly Dictionary<string, TaskCompletionSource<MiniElement>> _iqs = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, MamCollector> _queries = new();
    private volatile bool _inResumeBurst;
    private int _armed = -1;
    private long _counter;
    private string? _lastStanzaId;
    private int _connected;
    private int _closing;

    public FaultClient(int number, FaultClientSettings settings, FaultProxy proxy, DeliveryVerifier verifier, FaultStats stats, int seed)
    {
        Number = number;
        _settings = settings;
        _proxy = proxy;
        _verifier = verifier;
        _stats = stats;
        _random = new Random(seed);
        User = settings.UserPrefix + number.ToString(CultureInfo.InvariantCulture);
        Bare = $"{User}@{settings.Domain}";
    }

    public int Number { get; }

    public string User { get; }

    public string Bare { get; }

    /// <summary>True while a session is up on a connection (bound or resumed, caught up, available).</summary>
    public bool IsConnected => Volatile.Read(ref _connected) != 0;

    /// <summary>Messages waiting in the outbox plus those sent and not acknowledged.</summary>
    public int Backlog
    {
        get
        {
            lock (_sm)
            {
                return _outbox.Reader.Count + _unacked.Count + _carryOver.Count;
            }
        }
    }

    /// <summary>Queues a message; it is sent as soon as a session is up.</summary>
    public void Enqueue(OutgoingMessage message) => _outbox.Writer.TryWrite(message);

    /// <summary>Arms a fault that this client triggers itself at the next matching moment (one at a time).</summary>
    public void Arm(CutKind kind) => Volatile.Write(ref _armed, (int)kind);

    public static string MessageXml(OutgoingMessage message, string userPrefix, string domain)
    {
        var to = $"{userPrefix}{message.Recipient.ToString(CultureInfo.InvariantCulture)}@{domain}";
        var id = message.OriginId;

        // XEP-0359 §4: the origin-id names the message for the sender and every copy of it, whatever stanza-ids the
        // servers add.
        return $"<message to='{XmlEscape.Escape(to)}' type='chat' id='{id}'><body>{id}</body><origin-id xmlns='{SidNs}' id='{id}'/></message>";
    }

    /// <summary>Connects, and reconnects after every failure, until <paramref name="stop"/> or <see cref="CloseAsync"/>.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested && Volatile.Read(ref _closing) == 0)
        {
            try
            {
                await SessionAsync(stop);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException
                or InvalidDataException or TimeoutException or FormatException or ScramException or InvalidOperationException)
            {
                // A cut, a restart, a stream error: whatever it was, connect again.
                Trace($"connection ended: {e.GetType().Name}: {e.Message}");
            }

            if (stop.IsCancellationRequested || Volatile.Read(ref _closing) != 0)
            {
                break;
            }

            try
            {
                await Task.Delay(_random.Next(_settings.MinReconnectDelayMs, _settings.MaxReconnectDelayMs + 1), stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>
    /// Ends the stream politely (the run is over): RFC 6120 §4.4 closing tag; the server answers with its own, the
    /// receive loop sees the end and the client does not connect again.
    /// </summary>
    public async Task CloseAsync()
    {
        Volatile.Write(ref _closing, 1);
        if (_connection is not { } connection)
        {
            return;
        }

        await _writeLock.WaitAsync();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await connection.WriteAsync("</stream:stream>", timeout.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException or InvalidOperationException)
        {
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task SessionAsync(CancellationToken stop)
    {
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var cancellationToken = lifetime.Token;
        FaultConnection connection;
        using (var login = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            login.CancelAfter(LoginTimeout);
            try
            {
                connection = await FaultConnection.ConnectAsync(_settings.Server, login.Token);
            }
            catch
            {
                _stats.ConnectFailure();
                throw;
            }

            _stats.Connection();
            _connection = connection;
            try
            {
                await connection.LoginAsync(_settings.Domain, User, _settings.Password, _settings.Trust, _settings.ScramCache, login.Token);
            }
            catch
            {
                _stats.ConnectFailure();
                connection.Abort();
                throw;
            }
        }

        Task? receive = null;
        Task? send = null;
        try
        {
            var resumed = await TryResumeAsync(connection, cancellationToken);
            if (!resumed)
            {
                await BindAsync(connection, cancellationToken);
            }

            receive = ReceiveLoopAsync(connection, lifetime);
            if (resumed)
            {
                await RetransmitAsync(connection, cancellationToken);
            }

            if (!IsAvailable())
            {
                await CatchUpAsync(connection, cancellationToken);

                // RFC 6121 §4.2: available presence; XEP-0160 §2: offline messages come with it.
                await SendStanzaAsync(connection, "<presence/>", cancellationToken);
                lock (_sm)
                {
                    _available = true;
                }
            }

            await SendCarryOverAsync(connection, cancellationToken);
            Volatile.Write(ref _connected, 1);
            send = SendLoopAsync(connection, cancellationToken);

            // Both loops end only when the connection fails; the first failure is the session's.
            await await Task.WhenAny(receive, send);
        }
        finally
        {
            Volatile.Write(ref _connected, 0);
            connection.Abort();
            await lifetime.CancelAsync();
            FailPending();
            if (receive is not null)
            {
                await receive.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            if (send is not null)
            {
                await send.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>XEP-0198 §5: resume the previous session, if there is one. False when a new session must be bound.</summary>
    private async Task<bool> TryResumeAsync(FaultConnection connection, CancellationToken cancellationToken)
    {
        string? previous;
        uint handled;
        lock (_sm)
        {
            previous = _smId;
            handled = _inbound;
        }

        if (previous is null)
        {
            return false;
        }

        await connection.WriteAsync(
            $"<resume xmlns='{SmNs}' previd='{XmlEscape.Escape(previous)}' h='{handled.ToString(CultureInfo.InvariantCulture)}'/>",
            cancellationToken);
        var answer = await connection.ReadRequiredAsync(cancellationToken);
        Trace($"resume previd={previous} h={handled} -> <{answer.Name} h={answer.Attribute("h")}/> on port {connection.LocalPort}");
        if (answer.Is("resumed", SmNs))
        {
            _stats.Resume(accepted: true);
            OnAck(answer.Attribute("h"));

            // XEP-0198 §5: what follows <resumed/> is the server's retransmission, up to the answer to our next <r/>.
            _inResumeBurst = true;
            return true;
        }

        if (!answer.Is("failed", SmNs))
        {
            throw new IOException($"<resume/> answered with <{answer.Name}/>");
        }

        _stats.Resume(accepted: false);
        AbandonSession();
        return false;
    }

    /// <summary>The old session is gone: what it never acknowledged is sent again on the next one.</summary>
    private void AbandonSession()
    {
        lock (_sm)
        {
            // Older first: what the old session was sending (its carry-over included) before what it never got to.
            var again = _unacked.Where(s => s.Message is not null).Select(s => s.Message!).Concat(_carryOver).ToList();
            _carryOver.Clear();
            foreach (var message in again)
            {
                _carryOver.Enqueue(message);
            }

            _unacked.Clear();
            _smId = null;
            _inbound = 0;
            _acked = 0;
            _available = false;
            _requestOutstanding = false;
        }
    }

    /// <summary>RFC 6120 §7: bind the client's one resource, then enable XEP-0198 with resumption.</summary>
    private async Task BindAsync(FaultConnection connection, CancellationToken cancellationToken)
    {
        AbandonSession();
        await connection.WriteAsync(
            $"<iq type='set' id='bind'><bind xmlns='{BindNs}'><resource>{XmlEscape.Escape(_settings.Resource)}</resource></bind></iq>",
            cancellationToken);
        var bound = await connection.ReadRequiredAsync(cancellationToken);
        if (bound.Name != "iq" || bound.Attribute("id") != "bind" || bound.Attribute("type") != "result")
        {
            throw new IOException("bind failed");
        }

        await connection.WriteAsync($"<enable xmlns='{SmNs}' resume='true'/>", cancellationToken);
        var enabled = await connection.ReadRequiredAsync(cancellationToken);
        if (!enabled.Is("enabled", SmNs) || enabled.Attribute("id") is not { } id)
        {
            throw new IOException($"<enable/> answered with <{enabled.Name}/>");
        }

        lock (_sm)
        {
            _smId = id;
        }

        Trace($"bound and enabled {id} on port {connection.LocalPort}");
        _stats.FreshSession();
    }

    /// <summary>XEP-0198 §5: after &lt;resumed/&gt;, everything the server has not handled goes again, in order.</summary>
    private async Task RetransmitAsync(FaultConnection connection, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            Sent[] again;
            lock (_sm)
            {
                again = [.. _unacked];
            }

            foreach (var sent in again)
            {
                await connection.WriteAsync(sent.Xml, cancellationToken);
            }

            Trace($"retransmitted {again.Length}: {string.Join(' ', again.Select(u => u.Message?.OriginId ?? "stanza"))}");
        }
        finally
        {
            _writeLock.Release();
        }

        await RequestAckAsync(connection, force: true, cancellationToken);
    }

    /// <summary>After a failed resumption: the old session's unacknowledged messages, on the new session, in order.</summary>
    private async Task SendCarryOverAsync(FaultConnection connection, CancellationToken cancellationToken)
    {
        var any = false;
        while (true)
        {
            OutgoingMessage? message;
            lock (_sm)
            {
                _carryOver.TryPeek(out message);
            }

            if (message is null)
            {
                break;
            }

            await SendMessageAsync(connection, message, cancellationToken);
            any = true;
        }

        if (any)
        {
            await RequestAckAsync(connection, force: false, cancellationToken);
        }
    }

    private async Task SendLoopAsync(FaultConnection connection, CancellationToken cancellationToken)
    {
        var sinceRequest = 0;
        while (true)
        {
            if (!_outbox.Reader.TryPeek(out var message))
            {
                // Nothing to send: make sure what was sent gets acknowledged (an answer to an earlier <r/> may have
                // come before the last messages went out), then wait a little for more.
                if (NeedsRequest())
                {
                    await RequestAckAsync(connection, force: false, cancellationToken);
                }

                sinceRequest = 0;
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                idle.CancelAfter(IdleRequestInterval);
                try
                {
                    await _outbox.Reader.WaitToReadAsync(idle.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                }

                continue;
            }

            await WaitForWindowAsync(connection, cancellationToken);
            await SendMessageAsync(connection, null, cancellationToken);
            if (++sinceRequest >= _settings.RequestEvery)
            {
                await RequestAckAsync(connection, force: false, cancellationToken);
                sinceRequest = 0;
            }
        }
    }

    /// <summary>At most <see cref="FaultClientSettings.Window"/> stanzas unacknowledged, like a real client's queue limit.</summary>
    private async Task WaitForWindowAsync(FaultConnection connection, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task signal;
            lock (_sm)
            {
                if (_unacked.Count < _settings.Window)
                {
                    return;
                }

                signal = _ackSignal.Task;
            }

            await RequestAckAsync(connection, force: false, cancellationToken);
            await signal.WaitAsync(AckTimeout, cancellationToken);
        }
    }

    /// <summary>
    /// Sends the head of the carry-over (<paramref name="carriedOver"/>) or, when that is null, the head of the outbox.
    /// The message leaves its queue only under the write lock, straight into the session's unacknowledged queue:
    /// whatever fails after that, an acknowledgement or the next session takes care of it.
    /// </summary>
    private async Task SendMessageAsync(FaultConnection connection, OutgoingMessage? carriedOver, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            OutgoingMessage? message;
            string xml;
            lock (_sm)
            {
                if (carriedOver is not null)
                {
                    message = _carryOver.Dequeue();
                }
                else if (!_outbox.Reader.TryRead(out message))
                {
                    return;
                }

                xml = MessageXml(message, _settings.UserPrefix, _settings.Domain);
                _verifier.Transmitting(message);
                _unacked.Enqueue(new Sent(xml, message));
            }

            if (TakeArmed(CutKind.MidStanzaUp) && _proxy.Find(connection.LocalPort) is { } link)
            {
                var start = connection.BytesWritten;
                link.CutUpAt(start + 1 + _random.Next(System.Text.Encoding.UTF8.GetByteCount(xml)), CutKind.MidStanzaUp, CutMode.EndToServer);
            }

            await connection.WriteAsync(xml, cancellationToken);
            Trace($"sent {message.OriginId}{(carriedOver is null ? string.Empty : " (carry-over)")} to c{message.Recipient}");
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>A counted stanza that is not one of the numbered messages (presence, IQ).</summary>
    private async Task SendStanzaAsync(FaultConnection connection, string xml, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            lock (_sm)
            {
                _unacked.Enqueue(new Sent(xml, null));
            }

            await connection.WriteAsync(xml, cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>XEP-0198 §4: &lt;r/&gt;, unless one is outstanding (or <paramref name="force"/>).</summary>
    private async Task RequestAckAsync(FaultConnection connection, bool force, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            lock (_sm)
            {
                if (_requestOutstanding && !force)
                {
                    return;
                }

                _requestOutstanding = true;
            }

            var link = TakeArmed(CutKind.BeforeServerAck) ? _proxy.Find(connection.LocalPort) : null;

            // Nothing the server sends from now on reaches us; the request itself does, then the link goes.
            link?.BlackholeDown();
            var (_, end) = await connection.WriteAsync($"<r xmlns='{SmNs}'/>", cancellationToken);
            link?.CutUpAt(end, CutKind.BeforeServerAck, CutMode.EndToServer);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>XEP-0198 §4: answer the server's &lt;r/&gt; with what we handled.</summary>
    private async Task AnswerRequestAsync(FaultConnection connection, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            uint handled;
            lock (_sm)
            {
                handled = _inbound;
            }

            ProxyLink? before = null;
            ProxyLink? after = null;
            if (TakeArmed(CutKind.BeforeClientAck))
            {
                before = _proxy.Find(connection.LocalPort);
            }
            else if (TakeArmed(CutKind.AfterClientAck))
            {
                after = _proxy.Find(connection.LocalPort);
            }

            before?.CutUpAt(connection.BytesWritten, CutKind.BeforeClientAck, CutMode.EndToServer);
            var (_, end) = await connection.WriteAsync($"<a xmlns='{SmNs}' h='{handled.ToString(CultureInfo.InvariantCulture)}'/>", cancellationToken);
            after?.CutUpAt(end, CutKind.AfterClientAck, CutMode.EndToServer);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private bool NeedsRequest()
    {
        lock (_sm)
        {
            return _unacked.Count > 0 && !_requestOutstanding;
        }
    }

    private bool TakeArmed(CutKind kind) => Interlocked.CompareExchange(ref _armed, -1, (int)kind) == (int)kind;

    private bool IsAvailable()
    {
        lock (_sm)
        {
            return _available;
        }
    }

    private async Task ReceiveLoopAsync(FaultConnection connection, CancellationTokenSource lifetime)
    {
        try
        {
            await ReceiveAsync(connection, lifetime.Token);
        }
        finally
        {
            // Whatever waits for an answer (a catch-up query, an acknowledgement) learns at once that none will come.
            await lifetime.CancelAsync();
            FailPending();
        }
    }

    private async Task ReceiveAsync(FaultConnection connection, CancellationToken cancellationToken)
    {
        while (true)
        {
            var element = await connection.ReadAsync(cancellationToken) ?? throw new IOException("the server closed the stream");
            if (element.Is("error", FaultConnection.StreamsNs))
            {
                _stats.StreamError();
                throw new IOException($"stream error <{element.FirstChild?.Name}/>");
            }

            if (element.Namespace == SmNs)
            {
                switch (element.Name)
                {
                    case "r":
                        await AnswerRequestAsync(connection, cancellationToken);
                        break;
                    case "a":
                        OnAck(element.Attribute("h"));
                        _inResumeBurst = false;
                        if (TakeArmed(CutKind.AfterServerAck))
                        {
                            _proxy.Find(connection.LocalPort)?.CutNow(CutKind.AfterServerAck, _random.Next(2) == 0 ? CutMode.Reset : CutMode.EndToServer);
                        }

                        break;
                }

                continue;
            }

            if (element.Namespace != FaultConnection.ClientNs || element.Name is not ("message" or "presence" or "iq"))
            {
                continue;
            }

            // XEP-0198 §4: every stanza received counts, whatever it is.
            lock (_sm)
            {
                _inbound = unchecked(_inbound + 1);
            }

            switch (element.Name)
            {
                case "message":
                    OnMessage(element);
                    break;
                case "iq":
                    await OnIqAsync(connection, element, cancellationToken);
                    break;
            }
        }
    }

    private void OnAck(string? h)
    {
        if (!uint.TryParse(h, NumberStyles.None, CultureInfo.InvariantCulture, out var handled))
        {
            throw new IOException("an acknowledgement without a valid h");
        }

        TaskCompletionSource signal;
        lock (_sm)
        {
            var count = unchecked(handled - _acked);
            if (count > int.MaxValue)
            {
                // h went backwards (modulo 2^32): an old count; XEP-0198 §4 counts only go up.
                Trace($"STALE ACK h={handled} acked={_acked}");
                _stats.StaleAck();
                return;
            }

            if (count > (uint)_unacked.Count)
            {
                // XEP-0198 §4: more than we sent; the server counted something twice.
                Trace($"ACK ANOMALY h={handled} acked={_acked} unacked={_unacked.Count}: {string.Join(' ', _unacked.Select(u => u.Message?.OriginId ?? u.Xml[..Math.Min(20, u.Xml.Length)]))}");
                _stats.AckAnomaly();
                count = (uint)_unacked.Count;
            }

            for (var i = 0u; i < count; i++)
            {
                if (_unacked.Dequeue().Message is { } message)
                {
                    _verifier.Acknowledged(message);
                }
            }

            Trace($"ack h={handled} (was {_acked}) released {count}, {_unacked.Count} left");
            _acked = handled;
            _requestOutstanding = false;
            signal = _ackSignal;
            _ackSignal = NewSignal();
        }

        signal.TrySetResult();
    }

    private void OnMessage(MiniElement message)
    {
        if (message.Attribute("type") == "error")
        {
            _verifier.Bounced();
            return;
        }

        if (message.Child("result", MamNs) is { } result)
        {
            var archived = result.Child("forwarded", ForwardNs)?.Child("message");
            var id = result.Attribute("id");
            if (result.Attribute("queryid") is { } queryId && _queries.TryGetValue(queryId, out var collector))
            {
                collector.Add(id, result.Child("forwarded", ForwardNs)?.Child("delay", DelayNs)?.Attribute("stamp"));
            }

            if (archived is not null && !IsFromSelf(archived))
            {
                Deliver(archived, id, DeliveryChannel.Archive);
            }

            return;
        }

        string? stanzaId = null;
        foreach (var child in message.Children)
        {
            // XEP-0359 §3: the stanza-id our own account's archive assigned ('by' is our bare JID).
            if (child.Is("stanza-id", SidNs) && child.Attribute("by") == Bare)
            {
                stanzaId = child.Attribute("id");
            }
        }

        var channel = message.Child("delay", DelayNs) is { } delay && delay.Attribute("from") == _settings.Domain
            ? DeliveryChannel.Offline
            : _inResumeBurst ? DeliveryChannel.Resumed : DeliveryChannel.Live;
        Deliver(message, stanzaId, channel);
    }

    private void Deliver(MiniElement message, string? stanzaId, DeliveryChannel channel)
    {
        var originId = message.Child("origin-id", SidNs)?.Attribute("id");
        var sender = SenderNumber(message.Attribute("from"));
        var kind = _verifier.Received(Number, sender, originId, stanzaId, channel);
        Trace($"got {originId} {stanzaId} {channel} {kind}");
        if (stanzaId is not null)
        {
            _lastStanzaId = stanzaId;
        }
    }

    private bool IsFromSelf(MiniElement message)
    {
        var from = message.Attribute("from");
        return from is not null && (from == Bare || from.StartsWith(Bare + "/", StringComparison.Ordinal));
    }

    private int SenderNumber(string? from)
    {
        var prefix = _settings.UserPrefix;
        if (from is null || !from.StartsWith(prefix, StringComparison.Ordinal))
        {
            return 0;
        }

        var at = from.IndexOf('@', StringComparison.Ordinal);
        return at > prefix.Length && int.TryParse(from.AsSpan(prefix.Length, at - prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? number
            : 0;
    }

    private async Task OnIqAsync(FaultConnection connection, MiniElement iq, CancellationToken cancellationToken)
    {
        var id = iq.Attribute("id") ?? string.Empty;
        switch (iq.Attribute("type"))
        {
            case "result" or "error":
                TaskCompletionSource<MiniElement>? pending;
                lock (_iqs)
                {
                    _iqs.Remove(id, out pending);
                }

                pending?.TrySetResult(iq);
                return;

            case "get" when iq.Child("ping", PingNs) is not null:
                // XEP-0199 §4.1: answer the server's ping.
                await SendStanzaAsync(connection, $"<iq type='result' id='{XmlEscape.Escape(id)}'/>", cancellationToken);
                return;

            default:
                // RFC 6120 §8.4: a request the client does not understand.
                await SendStanzaAsync(
                    connection,
                    $"<iq type='error' id='{XmlEscape.Escape(id)}'><error type='cancel'><service-unavailable xmlns='{StanzasNs}'/></error></iq>",
                    cancellationToken);
                return;
        }
    }

    /// <summary>
    /// XEP-0313 §4: pages forward through the archive from <see cref="FaultClientSettings.CatchUpMargin"/> before the
    /// archive time of the last message seen (from the start when none was seen), until the archive says it is
    /// complete. Runs before available presence, so nothing is delivered live meanwhile: what arrives for this account
    /// goes to offline storage and comes with the presence.
    /// </summary>
    private async Task CatchUpAsync(FaultConnection connection, CancellationToken cancellationToken)
    {
        string? start = null;
        if (_lastStanzaId is { } last)
        {
            // XEP-0313 §4.1.3: 'ids' fetches one message by its archive id, with its archive time.
            var (iq, found) = await QueryAsync(connection, $"<field var='ids'><value>{XmlEscape.Escape(last)}</value></field>", null, cancellationToken);
            if (iq.Attribute("type") == "result" && found.LastStamp is { } stamp
                && DateTimeOffset.TryParse(stamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var archived))
            {
                start = (archived - _settings.CatchUpMargin).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            }
        }

        var form = start is null ? string.Empty : $"<field var='start'><value>{start}</value></field>";
        string? after = null;
        var pages = 0;
        while (true)
        {
            var set = $"<set xmlns='{RsmNs}'><max>{_settings.CatchUpPageSize.ToString(CultureInfo.InvariantCulture)}</max>"
                + (after is null ? string.Empty : $"<after>{XmlEscape.Escape(after)}</after>") + "</set>";
            var (iq, _) = await QueryAsync(connection, form, set, cancellationToken);
            pages++;
            if (iq.Attribute("type") != "result")
            {
                throw new IOException("archive query failed: " + (iq.Child("error")?.FirstChild?.Name ?? "?"));
            }

            var fin = iq.Child("fin", MamNs) ?? throw new IOException("archive query result without <fin/>");
            var lastId = fin.Child("set", RsmNs)?.Child("last", RsmNs)?.Text;
            if (fin.Attribute("complete") is "true" or "1" || string.IsNullOrEmpty(lastId))
            {
                break;
            }

            after = lastId;
        }

        _stats.CatchUp(pages);
    }

    private async Task<(MiniElement Iq, MamCollector Results)> QueryAsync(FaultConnection connection, string fields, string? set, CancellationToken cancellationToken)
    {
        var n = Interlocked.Increment(ref _counter).ToString(CultureInfo.InvariantCulture);
        var queryId = "q" + n;
        var id = "mam" + n;
        var collector = new MamCollector();
        var completion = new TaskCompletionSource<MiniElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_iqs)
        {
            _iqs[id] = completion;
        }

        _queries[queryId] = collector;
        try
        {
            var xml = $"<iq type='set' id='{id}'><query xmlns='{MamNs}' queryid='{queryId}'><x xmlns='{DataNs}' type='submit'>"
                + $"<field var='FORM_TYPE' type='hidden'><value>{MamNs}</value></field>{fields}</x>{set}</query></iq>";
            await SendStanzaAsync(connection, xml, cancellationToken);
            var iq = await completion.Task.WaitAsync(IqTimeout, cancellationToken);
            return (iq, collector);
        }
        finally
        {
            _queries.TryRemove(queryId, out _);
            lock (_iqs)
            {
                _iqs.Remove(id);
            }
        }
    }

    private void FailPending()
    {
        lock (_iqs)
        {
            foreach (var pending in _iqs.Values)
            {
                pending.TrySetException(new IOException("the connection was lost"));
            }

            _iqs.Clear();
        }

        TaskCompletionSource signal;
        lock (_sm)
        {
            _requestOutstanding = false;
            signal = _ackSignal;
            _ackSignal = NewSignal();
        }

        signal.TrySetResult();
    }

    public void Dispose() => _writeLock.Dispose();

    private void Trace(string line)
    {
        if (_settings.Trace is { } trace)
        {
            lock (trace)
            {
                trace.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss.fff} c{Number} {line}"));
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed record Sent(string Xml, OutgoingMessage? Message);

    /// <summary>What one archive query returned, as far as the catch-up needs it.</summary>
    private sealed class MamCollector
    {
        public int Count { get; private set; }

        public string? LastStamp { get; private set; }

        public void Add(string? id, string? stamp)
        {
            _ = id;
            Count++;
            LastStamp = stamp;
        }
    }
}
