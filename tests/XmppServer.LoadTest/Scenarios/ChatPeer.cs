namespace XmppServer.LoadTest.Scenarios;

/// <summary>Chat state of one user: its partner (it sends to and hears from only that one) and the sequences.</summary>
internal sealed class ChatPeer(long index, long partner, string partnerJid)
{
    public long Index { get; } = index;

    public long Partner { get; } = partner;

    /// <summary>The partner's bare JID, escaped for an attribute.</summary>
    public string PartnerJid { get; } = partnerJid;

    /// <summary>Last sequence number sent (only the pacing loop touches it).</summary>
    public long LastSent { get; set; }

    public SequenceSet Received { get; } = new();
}
