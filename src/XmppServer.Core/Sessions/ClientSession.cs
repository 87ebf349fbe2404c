using System.Threading.Channels;
using XmppServer.Protocol;

namespace XmppServer.Core;

/// <summary>
/// A bound client session. Outbound stanzas go to a bounded queue that the connection's write loop drains; a full
/// queue means the client is not reading, and the policy is to close its stream with policy-violation rather than
/// let the server's memory grow or make the router wait. The queue is bounded twice: in stanzas, and in bytes
/// (estimated), counting with XEP-0198 the stanzas written but not yet acknowledged too, since the server keeps those.
/// </summary>
/// <remarks>
/// With XEP-0198 resumption a session outlives its connection: it is Attached to one connection, Hibernating between
/// a lost connection and its resumption (stanzas keep queueing), or Ended. <see cref="SyncRoot"/> guards the moves.
/// </remarks>
internal sealed class ClientSession : IXmppSession
{
    private readonly Channel<OutboundStanza> _outbound;
    private readonly int _maxQueue;
    private long _queuedBytes;
    private int _refusedWithinBudget;
    private Func<StreamErrorCondition?, string?, ValueTask> _close;
    private volatile bool _closing;
    private int _closedPublished;
    private int _overflowClosePending;
    private IOutboundFilter? _filter;
    private FilterBypass? _bypass;
    private object? _owner;
    private SessionState _state = SessionState.Attached;

    public ClientSession(string id, Jid jid, bool isSecure, int maxQueue, Func<StreamErrorCondition?, string?, ValueTask> close, object owner)
    {
        Id = id;
        Jid = jid;
        IsSecure = isSecure;
        _close = close;
        _owner = owner;
        _maxQueue = maxQueue;
        _outbound = Channel.CreateBounded<OutboundStanza>(new BoundedChannelOptions(maxQueue)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait, // never used: writers only TryWrite
            AllowSynchronousContinuations = false,
        });
    }

    public string Id { get; }

    public Jid Jid { get; }

    public bool IsSecure { get; }

    /// <summary>
    /// Most bytes (estimated) queued for the client plus, with XEP-0198, written and not acknowledged. A stanza that
    /// would go beyond closes the stream with policy-violation, like a full queue.
    /// </summary>
    internal long MaxPendingBytes { get; init; } = long.MaxValue;

    /// <summary>Bytes queued and, with XEP-0198, unacknowledged: what the budget counts.</summary>
    internal long PendingBytes => Volatile.Read(ref _queuedBytes) + (StreamManagement?.UnackedBytes ?? 0);

    public bool IsAvailable { get; private set; }

    public int Priority { get; private set; }

    public XmppElement? Presence { get; private set; }

    public bool IsRosterInterested { get; set; }

    public SessionItems Items { get; } = new();

    /// <summary>XEP-0198 state once the client enabled stream management, else null.</summary>
    internal StreamManagementState? StreamManagement { get; set; }

    internal Lock SyncRoot { get; } = new();

    /// <summary>Environment.TickCount64 when the session last lost its connection.</summary>
    internal long HibernatedAt { get; private set; }

    internal bool IsHibernating
    {
        get
        {
            lock (SyncRoot)
            {
                return _state == SessionState.Hibernating;
            }
        }
    }

    /// <summary>True while <paramref name="owner"/> is the connection this session is attached to.</summary>
    internal bool IsOwnedBy(object owner)
    {
        lock (SyncRoot)
        {
            return _state == SessionState.Attached && ReferenceEquals(_owner, owner);
        }
    }

    /// <summary>XEP-0198 §5: the connection is lost but the session waits to be resumed.</summary>
    internal bool TryHibernate(object owner, Func<StreamErrorCondition?, string?, ValueTask> close)
    {
        lock (SyncRoot)
        {
            if (_state != SessionState.Attached || !ReferenceEquals(_owner, owner))
            {
                return false;
            }

            _state = SessionState.Hibernating;
            _owner = null;
            _close = close;
            HibernatedAt = Environment.TickCount64;
            return true;
        }
    }

    /// <summary>Attaches the session to a new connection; returns false when it has ended. <paramref name="previous"/> is the old owner, if still attached.</summary>
    internal bool TryResume(object owner, Func<StreamErrorCondition?, string?, ValueTask> close, out object? previous)
    {
        lock (SyncRoot)
        {
            previous = _owner;

            // An ended session, or one already told to close (its queue is complete), cannot come back.
            if (_state == SessionState.Ended || _closing)
            {
                return false;
            }

            _state = SessionState.Attached;
            _owner = owner;
            _close = close;
            return true;
        }
    }

    /// <summary>
    /// Ends the session: true exactly once, for the caller that then cleans up. With an owner, only while that owner
    /// holds the session (a resumed session is not ended by its old connection); with none, only while hibernating.
    /// </summary>
    internal bool TryEnd(object? owner)
    {
        lock (SyncRoot)
        {
            var mine = owner is null ? _state == SessionState.Hibernating : _state == SessionState.Attached && ReferenceEquals(_owner, owner);
            if (!mine)
            {
                return false;
            }

            _state = SessionState.Ended;
            _owner = null;
            return true;
        }
    }

    /// <summary>True once the session was told to close; nothing more is queued.</summary>
    public bool IsClosing => _closing;

    /// <summary>
    /// The queue. Whoever takes a stanza out calls <see cref="Dequeued"/> with its size, and skips the wake-ups
    /// (<see cref="OutboundStanza.IsWakeUp"/>) that <see cref="WakeWriter"/> leaves; <see cref="TryTakeQueued"/> does.
    /// </summary>
    internal ChannelReader<OutboundStanza> Outbound => _outbound.Reader;

    /// <summary>
    /// Waits until something is queued, or the queue is completed (false). No cancellation token, on purpose: with a
    /// cancelable token the channel allocates a waiter for every wait, where without it reuses one. The waiter is
    /// referenced from the session's long-lived objects, so a new one per wait made every idle session that had
    /// written anything look freshly written to at the next gen0 collection (and at every one after it until a gen1),
    /// and the collector scanned it again. A write loop that must stop is woken by <see cref="WakeWriter"/>.
    /// </summary>
    internal ValueTask<bool> WaitForQueuedAsync() => _outbound.Reader.WaitToReadAsync(CancellationToken.None);

    /// <summary>
    /// Wakes a write loop waiting in <see cref="WaitForQueuedAsync"/>, after its connection's lifetime was canceled, so
    /// it sees that and ends. When the queue is full the loop is not waiting, and the wake-up is not needed.
    /// </summary>
    internal void WakeWriter() => _outbound.Writer.TryWrite(OutboundStanza.WakeUp);

    /// <summary>Takes the next queued stanza, passing over wake-ups.</summary>
    internal bool TryTakeQueued(out OutboundStanza queued)
    {
        while (_outbound.Reader.TryRead(out queued))
        {
            if (!queued.IsWakeUp)
            {
                return true;
            }
        }

        return false;
    }

    public IOutboundFilter? OutboundFilter => Volatile.Read(ref _filter);

    public bool Send(XmppElement stanza)
    {
        if (_closing)
        {
            return false;
        }

        // Without a filter (nearly always) this is one read more than the queue itself costs. _bypass was published
        // before the filter (an interlocked exchange), and the volatile read orders the read of it after.
        return Volatile.Read(ref _filter) is { } filter ? filter.Send(stanza, _bypass!) : Enqueue(stanza, deferOverflow: false);
    }

    /// <summary>
    /// Sends a stanza that can as well wait for a later delivery (stored offline messages) only when the queue has
    /// room for it; otherwise refuses it and the session stays open. Once the queue has drained,
    /// <see cref="TryTakeDrainedNotice"/> says so, and the deliverer may try again.
    /// </summary>
    internal bool TrySendWithinBudget(XmppElement stanza)
    {
        if (_closing)
        {
            return false;
        }

        if (PendingBytes + OutboundStanza.EstimateSize(stanza) > MaxPendingBytes || _outbound.Reader.Count >= _maxQueue)
        {
            Volatile.Write(ref _refusedWithinBudget, 1);
            return false;
        }

        return Send(stanza);
    }

    /// <summary>The write loop took a stanza out of the queue (to write it, or to keep it as unacknowledged).</summary>
    internal void Dequeued(int size) => Interlocked.Add(ref _queuedBytes, -size);

    /// <summary>
    /// True once after a stanza was refused by <see cref="TrySendWithinBudget"/> and the queue has drained to half
    /// its bounds (bytes and stanzas): room for the refused deliverer to go on.
    /// </summary>
    internal bool TryTakeDrainedNotice()
        => Volatile.Read(ref _refusedWithinBudget) != 0 && PendingBytes <= MaxPendingBytes / 2 && _outbound.Reader.Count <= _maxQueue / 2
            && Interlocked.Exchange(ref _refusedWithinBudget, 0) != 0;

    public void SetOutboundFilter(IOutboundFilter? filter)
    {
        var bypass = _bypass ??= new FilterBypass(this);
        var previous = Interlocked.Exchange(ref _filter, filter);
        if (previous is not null && !ReferenceEquals(previous, filter))
        {
            previous.Release(bypass);
        }

        // Installed on a session already closing: nothing more is sent to it, but take it out again anyway, so that
        // nothing could stay held after the queue was handed to the terminator.
        if (filter is not null && _closing && Interlocked.CompareExchange(ref _filter, null, filter) == filter)
        {
            filter.Release(bypass);
        }
    }

    private bool Enqueue(XmppElement stanza, bool deferOverflow)
    {
        var size = OutboundStanza.EstimateSize(stanza);
        if (Interlocked.Add(ref _queuedBytes, size) + (StreamManagement?.UnackedBytes ?? 0) > MaxPendingBytes)
        {
            Interlocked.Add(ref _queuedBytes, -size);
            return Overflow(deferOverflow, "Too many unread bytes");
        }

        if (_outbound.Writer.TryWrite(new OutboundStanza(stanza, size)))
        {
            return true;
        }

        Interlocked.Add(ref _queuedBytes, -size);
        return Overflow(deferOverflow, "Too many unread stanzas");
    }

    private bool Overflow(bool deferOverflow, string text)
    {
        if (_closing)
        {
            // The queue was completed: the session is closing already.
            return false;
        }

        // The client reads nothing while stanzas pile up: close it (the stated slow-consumer policy). What it never
        // acknowledged or never received is routed again when the session ends (SessionTerminator).
        if (!deferOverflow)
        {
            _ = CloseAsync(StreamErrorCondition.PolicyViolation, text).AsTask();
        }
        else if (Interlocked.Exchange(ref _overflowClosePending, 1) == 0)
        {
            // A filter passes stanzas on under its own lock; closing inline would come back into that filter (the
            // close releases it) and route stanzas elsewhere while holding it. One close in flight is enough.
            ThreadPool.QueueUserWorkItem(
                static state =>
                {
                    Volatile.Write(ref state.Session._overflowClosePending, 0);
                    _ = state.Session.CloseAsync(StreamErrorCondition.PolicyViolation, state.Text).AsTask();
                },
                (Session: this, Text: text),
                preferLocal: false);
        }

        return false;
    }

    public ValueTask CloseAsync(StreamErrorCondition? error, string? text = null) => _close(error, text);

    /// <summary>True exactly once: whoever gets it publishes SessionClosed for this session.</summary>
    internal bool TryBeginClosedPublication() => Interlocked.Exchange(ref _closedPublished, 1) == 0;

    /// <summary>Stops accepting stanzas; the write loop drains what is queued and ends.</summary>
    internal void MarkClosing()
    {
        _closing = true;

        // What a filter holds was sent to this session and never written: it joins the queue before the queue
        // closes, so that the session's end treats it like every other unwritten stanza (SessionTerminator).
        if (Interlocked.Exchange(ref _filter, null) is { } filter)
        {
            filter.Release(_bypass!);
        }

        _outbound.Writer.TryComplete();
    }

    /// <summary>
    /// Records presence sent with no 'to' (RFC 6121 §4.2, §4.5). Returns the previous availability.
    /// </summary>
    internal bool UpdatePresence(XmppElement presence)
    {
        var wasAvailable = IsAvailable;
        if (presence.Type == "unavailable")
        {
            IsAvailable = false;
            Presence = null;
            Priority = 0;
        }
        else
        {
            IsAvailable = true;
            Presence = presence;
            Priority = ReadPriority(presence);
        }

        return wasAvailable;
    }

    // RFC 6121 §4.7.2.3: an integer from -128 to +127; absent means zero.
    private static int ReadPriority(XmppElement presence)
    {
        var text = presence.ElementText("priority", presence.Namespace);
        return text is not null && sbyte.TryParse(text.AsSpan().Trim(), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var priority)
            ? priority
            : 0;
    }

    /// <summary>The queue past the filter, handed only to filters (a session's own callers always go through Send).</summary>
    private sealed class FilterBypass(ClientSession session) : IOutboundQueue
    {
        public bool Enqueue(XmppElement stanza)
        {
            ArgumentNullException.ThrowIfNull(stanza);
            return session.Enqueue(stanza, deferOverflow: true);
        }
    }

    private enum SessionState
    {
        Attached,
        Hibernating,
        Ended,
    }
}
