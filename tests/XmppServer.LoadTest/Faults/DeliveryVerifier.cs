namespace XmppServer.LoadTest.Faults;

/// <summary>
/// Keeps the books of a fault run: every numbered message, who sent it how often and whether the server acknowledged
/// it, and every copy its recipient got, by channel. Thread-safe.
/// </summary>
/// <remarks>
/// <para>Definitions (the README's "faults" section says the same):</para>
/// <list type="bullet">
/// <item><b>Sent</b>: the server acknowledged the message with XEP-0198 &lt;a/&gt; (or &lt;resumed/&gt;). Only then has
/// the server taken responsibility for it (XEP-0198 §4). A message without an acknowledgement is sent again by its
/// sender, with the same origin-id, until one comes; one still unacknowledged at the end is "unacknowledged".</item>
/// <item><b>Transmission</b>: the sender handing the message to a stream management session. Within one session
/// XEP-0198 makes a retransmission after resumption exactly-once (the server's h says what it handled). After a failed
/// resumption the sender cannot know whether the old session handled the message and must send it again on the new
/// session: a second transmission, which the server may legitimately deliver (and archive) a second time.</item>
/// <item><b>Delivered exactly once</b>: what the application sees after it drops copies it already has, by XEP-0359
/// stanza-id (the server's archive id: a resumed retransmission, an offline copy of an archived message, a catch-up
/// page overlapping live delivery) and by origin-id (a sender's retransmission, which the server stores as a new
/// message with a new stanza-id). Copies dropped this way are counted, not hidden: <see
/// cref="DeliveryReport.Redeliveries"/> and <see cref="DeliveryReport.RetransmissionCopies"/>.</item>
/// <item><b>Lost</b>: sent (acknowledged) and never received by its recipient through any channel.</item>
/// <item><b>Duplicated</b>: a copy with a stanza-id not seen before for a message that already has as many distinct
/// stanza-ids as its sender made transmissions: a copy the server made up (archiving one message twice, say), which an
/// application deduplicating by stanza-id would show twice.</item>
/// <item><b>Out of order</b>: a message that first reached its recipient after a later message of the same sender to
/// the same recipient had (RFC 6120 §10.1 keeps one sender's stanzas in order).</item>
/// </list>
/// </remarks>
internal sealed class DeliveryVerifier
{
    private readonly Lock _lock = new();
    private readonly int _clients;
    private readonly List<MessageRecord>[] _sent;
    private readonly long[,] _highestFirstSeen;
    private readonly long[] _firstByChannel = new long[4];
    private readonly long[] _redeliveriesByChannel = new long[4];
    private long _registered;
    private long _acked;
    private long _delivered;
    private long _duplicated;
    private long _outOfOrder;
    private long _retransmissionCopies;
    private long _bounced;
    private long _foreign;
    private long _misrouted;
    private long _unstamped;
    private long _ackedAndDelivered;
    private readonly List<string> _samples = [];

    /// <param name="clients">Clients are numbered 1..<paramref name="clients"/>.</param>
    public DeliveryVerifier(int clients)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(clients, 2);
        _clients = clients;
        _sent = new List<MessageRecord>[clients + 1];
        for (var i = 0; i <= clients; i++)
        {
            _sent[i] = [];
        }

        _highestFirstSeen = new long[clients + 1, clients + 1];
    }

    public int Clients => _clients;

    /// <summary>Numbers the next message of <paramref name="sender"/> for <paramref name="recipient"/>.</summary>
    public OutgoingMessage Register(int sender, int recipient)
    {
        CheckClient(sender);
        CheckClient(recipient);
        lock (_lock)
        {
            var list = _sent[sender];
            var message = new OutgoingMessage(sender, list.Count + 1, recipient);
            list.Add(new MessageRecord(message));
            _registered++;
            return message;
        }
    }

    /// <summary>The sender hands the message to a stream management session (before writing it).</summary>
    public void Transmitting(OutgoingMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_lock)
        {
            Record(message).Transmissions++;
        }
    }

    public int Transmissions(OutgoingMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_lock)
        {
            return Record(message).Transmissions;
        }
    }

    /// <summary>The server acknowledged the message (XEP-0198 h covers it).</summary>
    public void Acknowledged(OutgoingMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_lock)
        {
            var record = Record(message);
            if (!record.Acked)
            {
                record.Acked = true;
                _acked++;
                if (record.StanzaIds.Count > 0)
                {
                    _ackedAndDelivered++;
                }
            }
        }
    }

    /// <summary>The sender got an error for one of its messages.</summary>
    public void Bounced()
    {
        lock (_lock)
        {
            _bounced++;
        }
    }

    /// <summary>
    /// <paramref name="recipient"/> got a copy of the message that <paramref name="originId"/> names.
    /// <paramref name="stanzaId"/> is the XEP-0359 stanza-id the recipient's server assigned (null when missing).
    /// </summary>
    public ReceiptKind Received(int recipient, int claimedSender, string? originId, string? stanzaId, DeliveryChannel channel)
    {
        lock (_lock)
        {
            if (!OutgoingMessage.TryParseOriginId(originId, out var sender, out var seq) || sender < 1 || sender > _clients
                || seq > _sent[sender].Count || claimedSender != sender)
            {
                _foreign++;
                return ReceiptKind.Foreign;
            }

            var record = _sent[sender][(int)(seq - 1)];
            if (record.Message.Recipient != recipient)
            {
                _misrouted++;
                return ReceiptKind.Foreign;
            }

            if (stanzaId is null)
            {
                // Without a stanza-id a copy cannot be told from a server-made duplicate; every one counts as new.
                _unstamped++;
                stanzaId = "unstamped:" + record.StanzaIds.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (record.StanzaIds.Contains(stanzaId))
            {
                _redeliveriesByChannel[(int)channel]++;
                return ReceiptKind.Redelivery;
            }

            record.StanzaIds.Add(stanzaId);
            if (record.StanzaIds.Count == 1)
            {
                record.FirstChannel = channel;
                _delivered++;
                _firstByChannel[(int)channel]++;
                if (record.Acked)
                {
                    _ackedAndDelivered++;
                }

                ref var highest = ref _highestFirstSeen[recipient, sender];
                if (seq < highest)
                {
                    Sample($"out of order {record.Message.OriginId} at f{recipient} ({channel}) after f{sender}-{highest}");
                    _outOfOrder++;
                    return ReceiptKind.OutOfOrder;
                }

                highest = seq;
                return ReceiptKind.First;
            }

            if (record.StanzaIds.Count > record.Transmissions)
            {
                Sample($"duplicated {record.Message.OriginId} at f{recipient}: stanza-ids {string.Join(", ", record.StanzaIds)}");
                _duplicated++;
                return ReceiptKind.Duplicate;
            }

            _retransmissionCopies++;
            return ReceiptKind.RetransmissionCopy;
        }
    }

    /// <summary>True once every registered message is acknowledged and has reached its recipient.</summary>
    public bool IsComplete
    {
        get
        {
            lock (_lock)
            {
                return _acked == _registered && _ackedAndDelivered == _registered;
            }
        }
    }

    public DeliveryReport Snapshot()
    {
        lock (_lock)
        {
            long lost = 0;
            long deliveredUnacked = 0;
            var samples = new List<string>(_samples);
            long retransmitted = 0;
            foreach (var list in _sent)
            {
                foreach (var record in list)
                {
                    if (record.Acked && record.StanzaIds.Count == 0)
                    {
                        lost++;
                        if (samples.Count < MaxSamples)
                        {
                            samples.Add($"lost {record.Message.OriginId} for f{record.Message.Recipient}");
                        }
                    }
                    else if (!record.Acked && samples.Count < MaxSamples)
                    {
                        samples.Add($"unacknowledged {record.Message.OriginId} ({record.Transmissions} transmissions, {record.StanzaIds.Count} copies)");
                    }

                    if (!record.Acked && record.StanzaIds.Count > 0)
                    {
                        deliveredUnacked++;
                    }

                    if (record.Transmissions > 1)
                    {
                        retransmitted++;
                    }
                }
            }

            return new DeliveryReport
            {
                Messages = _registered,
                Acknowledged = _acked,
                Unacknowledged = _registered - _acked,
                Delivered = _delivered,
                DeliveredUnacknowledged = deliveredUnacked,
                Lost = lost,
                Duplicated = _duplicated,
                OutOfOrder = _outOfOrder,
                FirstLive = _firstByChannel[(int)DeliveryChannel.Live],
                FirstResumed = _firstByChannel[(int)DeliveryChannel.Resumed],
                FirstOffline = _firstByChannel[(int)DeliveryChannel.Offline],
                FirstArchive = _firstByChannel[(int)DeliveryChannel.Archive],
                RedeliveredLive = _redeliveriesByChannel[(int)DeliveryChannel.Live],
                RedeliveredResumed = _redeliveriesByChannel[(int)DeliveryChannel.Resumed],
                RedeliveredOffline = _redeliveriesByChannel[(int)DeliveryChannel.Offline],
                RedeliveredArchive = _redeliveriesByChannel[(int)DeliveryChannel.Archive],
                RetransmittedMessages = retransmitted,
                RetransmissionCopies = _retransmissionCopies,
                Bounced = _bounced,
                Foreign = _foreign,
                Misrouted = _misrouted,
                Unstamped = _unstamped,
                Samples = samples,
            };
        }
    }

    private const int MaxSamples = 10;

    private void Sample(string text)
    {
        if (_samples.Count < MaxSamples)
        {
            _samples.Add(text);
        }
    }

    private MessageRecord Record(OutgoingMessage message)
    {
        var list = _sent[message.Sender];
        return list[(int)(message.Seq - 1)];
    }

    private void CheckClient(int client)
    {
        if (client < 1 || client > _clients)
        {
            throw new ArgumentOutOfRangeException(nameof(client), client, $"clients are 1..{_clients}");
        }
    }

    private sealed class MessageRecord(OutgoingMessage message)
    {
        public OutgoingMessage Message { get; } = message;

        public int Transmissions { get; set; }

        public bool Acked { get; set; }

        /// <summary>Distinct stanza-ids of the copies received, in arrival order (usually one).</summary>
        public List<string> StanzaIds { get; } = new(1);

        public DeliveryChannel FirstChannel { get; set; }
    }
}

/// <summary>What one received copy was, to the application.</summary>
internal enum ReceiptKind
{
    /// <summary>The first copy, in order.</summary>
    First,

    /// <summary>The first copy, after a later message of the same sender.</summary>
    OutOfOrder,

    /// <summary>A stanza-id already seen: dropped by stanza-id.</summary>
    Redelivery,

    /// <summary>A new stanza-id for a message its sender transmitted more than once: dropped by origin-id.</summary>
    RetransmissionCopy,

    /// <summary>A new stanza-id the sender's transmissions do not explain.</summary>
    Duplicate,

    /// <summary>Not a message of this run, or for another recipient.</summary>
    Foreign,
}
