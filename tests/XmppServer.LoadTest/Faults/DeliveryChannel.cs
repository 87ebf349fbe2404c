namespace XmppServer.LoadTest.Faults;

/// <summary>How a copy of a message reached its recipient.</summary>
internal enum DeliveryChannel
{
    /// <summary>Pushed on a stream while the recipient was online.</summary>
    Live,

    /// <summary>Retransmitted by the server after a XEP-0198 §5 resumption (the burst that follows &lt;resumed/&gt;).</summary>
    Resumed,

    /// <summary>Flushed from offline storage (XEP-0160), recognised by the server's XEP-0203 delay.</summary>
    Offline,

    /// <summary>Fetched from the archive (XEP-0313) by the catch-up that follows a fresh login.</summary>
    Archive,
}
