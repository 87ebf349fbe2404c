using XmppServer.Core;
using XmppServer.Protocol;

namespace XmppServer.Modules.Csi;

/// <summary>
/// The outbound filter of a client that said it is inactive (XEP-0352 §4.2): it holds presence updates (the latest per
/// sender) and unimportant messages, and lets everything else through. Whatever is delivered, is delivered after what
/// was held, so nothing overtakes an earlier stanza (RFC 6120 §10.1 order, per sender and overall).
/// </summary>
/// <remarks>
/// One lock per buffer; it is taken only while the client is inactive (an active client has no filter at all). Stanzas
/// are passed on to the queue under the lock, so that concurrent senders cannot interleave with a flush.
/// </remarks>
internal sealed class CsiBuffer(int capacity) : IOutboundFilter
{
    private readonly Lock _lock = new();

    // Held stanzas in arrival order; a null slot is a presence superseded by a later one from the same sender.
    private List<XmppElement?> _held = [];

    // Sender (the 'from' as routed, a full JID for clients) → slot of its latest held presence.
    private Dictionary<string, int>? _presenceSlots;
    private int _count;
    private bool _released;

    /// <summary>Stanzas held now (superseded presence not counted).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    public bool Send(XmppElement stanza, IOutboundQueue queue)
    {
        ArgumentNullException.ThrowIfNull(stanza);
        ArgumentNullException.ThrowIfNull(queue);
        var disposition = CsiRules.Classify(stanza);
        lock (_lock)
        {
            if (_released)
            {
                return queue.Enqueue(stanza);
            }

            switch (disposition)
            {
                case CsiDisposition.PassThrough:
                    return queue.Enqueue(stanza);

                case CsiDisposition.Deliver:
                    // What waited was sent earlier, and may be from the same sender: it goes first.
                    Flush(queue);
                    return queue.Enqueue(stanza);

                case CsiDisposition.HoldPresence:
                    HoldPresence(stanza);
                    break;

                default:
                    Append(stanza);
                    break;
            }

            if (_count >= capacity)
            {
                // Bounded: a client inactive for hours gets the backlog in one batch rather than the server keeping
                // an unbounded one (Prosody flushes its full queue the same way).
                Flush(queue);
            }
            else if (_held.Count >= 2 * capacity)
            {
                // Many superseded presences (a contact flapping): drop the empty slots, keeping the order.
                Compact();
            }

            return true;
        }
    }

    public void Release(IOutboundQueue queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        lock (_lock)
        {
            _released = true;
            Flush(queue);
        }
    }

    private void HoldPresence(XmppElement presence)
    {
        // XEP-0352 §3.2: on becoming active the client needs only the latest presence of each contact. The earlier
        // one is removed rather than overwritten, so that the latest keeps its place after whatever the same sender
        // sent in between. An unavailable presence replaces an available one like any other update.
        var sender = presence.From ?? string.Empty;
        _presenceSlots ??= new Dictionary<string, int>(StringComparer.Ordinal);
        if (_presenceSlots.TryGetValue(sender, out var slot))
        {
            _held[slot] = null;
            _count--;
        }

        _presenceSlots[sender] = _held.Count;
        Append(presence);
    }

    private void Append(XmppElement stanza)
    {
        _held.Add(stanza);
        _count++;
    }

    /// <summary>Passes everything held on, in order. The buffer is emptied first: passing on may come back here.</summary>
    private void Flush(IOutboundQueue queue)
    {
        if (_count == 0 && _held.Count == 0)
        {
            return;
        }

        var held = _held;
        _held = [];
        _presenceSlots?.Clear();
        _count = 0;
        foreach (var stanza in held)
        {
            if (stanza is not null)
            {
                queue.Enqueue(stanza);
            }
        }
    }

    private void Compact()
    {
        var live = new List<XmppElement?>(Math.Max(_count, 4));
        _presenceSlots?.Clear();
        foreach (var stanza in _held)
        {
            if (stanza is null)
            {
                continue;
            }

            // Every presence held is a held update (the others were delivered).
            if (_presenceSlots is not null && stanza.Name == "presence")
            {
                _presenceSlots[stanza.From ?? string.Empty] = live.Count;
            }

            live.Add(stanza);
        }

        _held = live;
    }
}
