namespace XmppServer.Core.Connections;

/// <summary>Where the server listens (Xmpp:Listen). A port of 0 turns that listener off.</summary>
public sealed class ListenOptions
{
    public const string SectionName = "Xmpp:Listen";

    /// <summary>IP address to bind; empty or "*" means every interface (IPv4 and IPv6).</summary>
    public string Address { get; set; } = string.Empty;

    /// <summary>Client connections with STARTTLS (RFC 6120 §5).</summary>
    public int C2sPort { get; set; } = 5222;

    /// <summary>Client connections with direct TLS (XEP-0368).</summary>
    public int C2sTlsPort { get; set; } = 5223;

    /// <summary>Server-to-server connections (reserved; federation is not served yet).</summary>
    public int S2sPort { get; set; } = 5269;

    /// <summary>HTTP transports (reserved; BOSH and WebSocket are not served yet).</summary>
    public int HttpPort { get; set; } = 5280;
}
