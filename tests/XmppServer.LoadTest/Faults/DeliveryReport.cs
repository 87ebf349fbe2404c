namespace XmppServer.LoadTest.Faults;

/// <summary>The verifier's counts at one moment (see <see cref="DeliveryVerifier"/> for the definitions).</summary>
internal sealed record DeliveryReport
{
    public long Messages { get; init; }

    public long Acknowledged { get; init; }

    /// <summary>Messages the server never acknowledged (the run ended before their sender got an &lt;a/&gt;).</summary>
    public long Unacknowledged { get; init; }

    /// <summary>Messages that reached their recipient at least once.</summary>
    public long Delivered { get; init; }

    /// <summary>Delivered, but their sender never saw the acknowledgement.</summary>
    public long DeliveredUnacknowledged { get; init; }

    public long Lost { get; init; }

    public long Duplicated { get; init; }

    public long OutOfOrder { get; init; }

    public long FirstLive { get; init; }

    public long FirstResumed { get; init; }

    public long FirstOffline { get; init; }

    public long FirstArchive { get; init; }

    public long RedeliveredLive { get; init; }

    public long RedeliveredResumed { get; init; }

    public long RedeliveredOffline { get; init; }

    public long RedeliveredArchive { get; init; }

    /// <summary>Copies dropped by stanza-id: protocol-level redeliveries of what the recipient already had.</summary>
    public long Redeliveries => RedeliveredLive + RedeliveredResumed + RedeliveredOffline + RedeliveredArchive;

    /// <summary>Messages their sender transmitted more than once (after a failed resumption).</summary>
    public long RetransmittedMessages { get; init; }

    /// <summary>Copies of those retransmissions, with a stanza-id of their own, dropped by origin-id.</summary>
    public long RetransmissionCopies { get; init; }

    public long Bounced { get; init; }

    public long Foreign { get; init; }

    public long Misrouted { get; init; }

    /// <summary>Copies without a XEP-0359 stanza-id by the recipient's account.</summary>
    public long Unstamped { get; init; }

    /// <summary>A few of the messages behind the problems, by origin-id, for a closer look in the logs.</summary>
    public IReadOnlyList<string> Samples { get; init; } = [];

    /// <summary>The problems of this report; empty when delivery was exactly-once and in order.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        void Check(long value, string what)
        {
            if (value != 0)
            {
                problems.Add($"{value} {what}");
            }
        }

        Check(Lost, "lost");
        Check(Duplicated, "duplicated");
        Check(OutOfOrder, "out of order");
        Check(Unacknowledged, "never acknowledged");
        Check(Misrouted, "misrouted");
        Check(Foreign, "foreign");
        Check(Unstamped, "without stanza-id");
        Check(Bounced, "bounced");
        return problems;
    }
}
