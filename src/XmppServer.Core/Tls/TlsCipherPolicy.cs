namespace XmppServer.Core.Tls;

/// <summary>Which cipher suites client connections may negotiate (Xmpp:Tls:CipherPolicy).</summary>
public enum TlsCipherPolicy
{
    /// <summary>
    /// The TLS 1.3 suites and, for TLS 1.2, ECDHE with AES-GCM or ChaCha20-Poly1305 only (RFC 9325 §4.2), enforced in
    /// the handshake. On Linux the server makes them OpenSSL's defaults at start (OpenSslStrictDefaults), so
    /// connections share one OpenSSL context; where it cannot (an operator's OPENSSL_CONF, another platform) each
    /// connection gets the policy, and with it an OpenSSL context of its own (measured: 49.7 instead of 37.5 KB per
    /// idle session) and no TLS session resumption.
    /// </summary>
    Strict,

    /// <summary>
    /// The platform's TLS configuration (on Linux OpenSSL's, e.g. CipherString in openssl.cnf). Connections share one
    /// OpenSSL context and returning clients may resume their TLS session; what TLS 1.2 offers is the system's
    /// choice (Debian's default also allows CBC suites), so restrict it there.
    /// </summary>
    System,
}
