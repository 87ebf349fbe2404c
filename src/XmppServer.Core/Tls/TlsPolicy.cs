using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace XmppServer.Core.Tls;

/// <summary>
/// The TLS settings of every client connection: TLS 1.2 and 1.3 only, and where the platform lets us choose (Linux,
/// macOS), only forward-secret AEAD cipher suites.
/// </summary>
internal static class TlsPolicy
{
    /// <summary>
    /// RFC 8996 deprecates TLS 1.0 and 1.1; RFC 9325 §3.1.1 asks for TLS 1.2 at least and TLS 1.3 where possible.
    /// </summary>
    public const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>
    /// RFC 8446 §9.1 TLS 1.3 suites, then RFC 9325 §4.2's recommended TLS 1.2 suites: ECDHE key exchange (forward
    /// secrecy) with an AEAD cipher (GCM, ChaCha20-Poly1305). No CBC, no RSA key transport, no SHA-1 MACs.
    /// </summary>
    public static readonly IReadOnlyList<TlsCipherSuite> CipherSuites =
    [
        TlsCipherSuite.TLS_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ];



    /// <summary>The options of one server handshake with <paramref name="certificate"/> under <paramref name="cipherPolicy"/>.</summary>
    public static SslServerAuthenticationOptions ServerOptions(SslStreamCertificateContext certificate, TlsCipherPolicy cipherPolicy)
    {
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = certificate,
            EnabledSslProtocols = Protocols,
            ClientCertificateRequired = false,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        // With the Strict suites as OpenSSL's defaults (OpenSslStrictDefaults) the handshake refuses the rest already,
        // and without a policy object connections share one OpenSSL context.
        if (cipherPolicy == TlsCipherPolicy.Strict && !OpenSslStrictDefaults.Installed && StrictPolicy.Value is not null
            && (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD()))
        {
            options.CipherSuitesPolicy = StrictPolicy.Value;
        }

        return options;
    }

    /// <summary>
    /// The policy object, built once and shared by every handshake. In a class of its own so that it is built on first
    /// use, not with <see cref="CipherSuites"/>: building it loads OpenSSL, which must not happen before
    /// OpenSslStrictDefaults has read the suites and set OpenSSL's configuration.
    /// </summary>
    private static class StrictPolicy
    {
        // Windows (SChannel) takes its suites from the system configuration and refuses a policy object.
        public static readonly CipherSuitesPolicy? Value = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD()
            ? new CipherSuitesPolicy(CipherSuites)
            : null;
    }
}
