using XmppServer.Protocol;

namespace XmppServer.Core;

/// <summary>
/// XEP-0198 counters of one session. They belong to the session, not to the connection, so they outlive a dropped
/// connection and carry over when the session is resumed on a new one.
/// </summary>
internal sealed class StreamManagementState(string id, bool resumable)
{
    private readonly Lock _lock = new();
    private readonly Queue<OutboundStanza> _unacked = new();
    private uint _acked;
    private long _unackedBytes;

    /// <summary>The resumption id handed out in &lt;enabled/&gt;.</summary>
    public string Id { get; } = id;

    public bool Resumable { get; } = resumable;

    private uint _inboundHandled;

    /// <summary>
    /// XEP-0198 §4: stanzas received from the client and handled, modulo 2^32. Counted by the read loop; the write loop
    /// reads it when it sends an &lt;a/&gt;.
    /// </summary>
    public uint InboundHandled => Volatile.Read(ref _inboundHandled);

    /// <summary>True while an &lt;r/&gt; of ours is unanswered; one outstanding request is enough.</summary>
    public bool RequestPending { get; set; }

    public int UnackedCount
    {
        get
        {
            lock (_lock)
            {
                return _unacked.Count;
            }
        }
    }

    /// <summary>The estimated size of the unacknowledged stanzas; part of the session's byte budget.</summary>
    public long UnackedBytes => Volatile.Read(ref _unackedBytes);

    /// <summary>XEP-0198 §4: counts a handled inbound stanza; the counter wraps at 2^32.</summary>
    public void Handled() => Volatile.Write(ref _inboundHandled, unchecked(_inboundHandled + 1));

    /// <summary>
    /// A stanza written to the client: kept until the client acknowledges it, and charged to the session's byte
    /// budget until then.
    /// </summary>
    public void Sent(OutboundStanza stanza)
    {
        lock (_lock)
        {
            _unacked.Enqueue(stanza);
            _unackedBytes += stanza.Size;
        }
    }

    /// <summary>
    /// XEP-0198 §4: the client has handled <paramref name="handled"/> stanzas in all (modulo 2^32). Releases those
    /// stanzas; false when the client claims more than was ever sent.
    /// </summary>
    public bool Acknowledge(uint handled)
    {
        lock (_lock)
        {
            var newlyAcked = unchecked(handled - _acked);
            if (newlyAcked > (uint)_unacked.Count)
            {
                return false;
            }

            for (var i = 0u; i < newlyAcked; i++)
            {
                _unackedBytes -= _unacked.Dequeue().Size;
            }

            _acked = handled;
            RequestPending = false;
            return true;
        }
    }

    /// <summary>The stanzas sent and not acknowledged, oldest first, still kept (for retransmission on resume).</summary>
    public XmppElement[] Unacked()
    {
        lock (_lock)
        {
            return [.. _unacked.Select(static u => u.Stanza)];
        }
    }

    /// <summary>Takes every unacknowledged stanza out, oldest first (the session is ending).</summary>
    public XmppElement[] TakeUnacked()
    {
        lock (_lock)
        {
            var all = _unacked.Select(static u => u.Stanza).ToArray();
            _unacked.Clear();
            _unackedBytes = 0;
            return all;
        }
    }
}
