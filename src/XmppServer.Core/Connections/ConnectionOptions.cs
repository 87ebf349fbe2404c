namespace XmppServer.Core.Connections;

/// <summary>Per-connection policy (Xmpp:Connections).</summary>
public sealed class ConnectionOptions
{
    public const string SectionName = "Xmpp:Connections";

    /// <summary>Refuse authentication before TLS (RFC 6120 §5.3.1: STARTTLS "required").</summary>
    public bool RequireEncryption { get; set; } = true;

    /// <summary>Time allowed from connect to a bound resource; slower streams are closed with connection-timeout.</summary>
    public TimeSpan NegotiationTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Silence after which the server pings an authenticated client (XEP-0199 §4.2).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Time a pinged idle client has to send anything before the stream is closed.</summary>
    public TimeSpan PingTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>TLS handshake time limit.</summary>
    public TimeSpan TlsHandshakeTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Stanzas queued for one client before it counts as not reading. Overflow policy: the stream is closed with
    /// policy-violation; the router never waits for a slow client.
    /// </summary>
    public int MaxOutboundQueue { get; set; } = 10_000;

    /// <summary>
    /// Bytes (estimated as written) queued for one client plus, with XEP-0198, written and not yet acknowledged. The
    /// same overflow policy as <see cref="MaxOutboundQueue"/>: policy-violation, the session ends (it is not kept for
    /// resumption), and what the client never acknowledged or never received is routed again, so to offline storage.
    /// 4 MiB is some 4,000 ordinary stanzas, or sixteen at the stanza size limit: a client that reads never comes near
    /// it, and a client that stops reading holds at most this much (and its parsed form) of the server's memory.
    /// </summary>
    public long MaxOutboundBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Time allowed for a graceful shutdown to flush and close every stream.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
