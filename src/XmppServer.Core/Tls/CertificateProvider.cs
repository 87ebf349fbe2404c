using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using XmppServer.Core.Hosting;

namespace XmppServer.Core.Tls;

/// <summary>
/// The server certificate: loaded from the configured PEM files, or made once and kept in the data directory when
/// none is configured, so that a fresh install speaks TLS from its first start. <see cref="Reload"/> reads the files
/// again (on SIGHUP, see <see cref="CertificateReloadService"/>): later handshakes use the new certificate, while
/// connections already encrypted keep the one they negotiated.
/// </summary>
public sealed partial class CertificateProvider
{
    public const string GeneratedCertificateFile = "certificate.pem";
    public const string GeneratedKeyFile = "certificate.key";

    private static readonly string[] DefaultServiceSubdomains = ["conference", "upload", "proxy", "pubsub"];

    private readonly XmppServerOptions _server;
    private readonly TlsOptions _tls;
    private readonly ILogger<CertificateProvider> _logger;
    private readonly Lock _loadLock = new();
    private volatile SslStreamCertificateContext? _context;

    public CertificateProvider(IOptions<XmppServerOptions> server, IOptions<TlsOptions> tls, ILogger<CertificateProvider> logger)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(tls);
        _server = server.Value;
        _tls = tls.Value;
        _logger = logger;
    }

    /// <summary>The current certificate with its chain, shared by every TLS handshake until the next reload.</summary>
    public SslStreamCertificateContext Context
    {
        get
        {
            if (_context is { } context)
            {
                return context;
            }

            lock (_loadLock)
            {
                return _context ??= Load(_server, _tls, _logger);
            }
        }
    }

    public X509Certificate2 Certificate => Context.TargetCertificate;

    /// <summary>The cipher suites client connections may negotiate, as configured.</summary>
    public TlsCipherPolicy CipherPolicy => _tls.CipherPolicy;

    /// <summary>Loads or creates the certificate now, so a bad configuration fails start-up rather than the first client.</summary>
    public void EnsureLoaded() => _ = Context;

    /// <summary>
    /// Reads the certificate and key files again. On success new handshakes use them and true is returned; when the
    /// files cannot be read (a half-written renewal, a key that does not match) the error is logged and the
    /// certificate in use stays, so a bad renewal never takes the server off the air.
    /// </summary>
    public bool Reload()
    {
        lock (_loadLock)
        {
            try
            {
                _context = Load(_server, _tls, _logger);
                return true;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
            {
                Log.ReloadFailed(_logger, ex);
                return false;
            }
        }
    }

    private static SslStreamCertificateContext Load(XmppServerOptions server, TlsOptions tls, ILogger logger)
    {
        string certPath;
        string keyPath;
        if (!string.IsNullOrEmpty(tls.CertificatePath))
        {
            certPath = tls.CertificatePath;
            keyPath = string.IsNullOrEmpty(tls.KeyPath) ? tls.CertificatePath : tls.KeyPath;
        }
        else
        {
            Directory.CreateDirectory(server.DataDirectory);
            certPath = Path.Combine(server.DataDirectory, GeneratedCertificateFile);
            keyPath = Path.Combine(server.DataDirectory, GeneratedKeyFile);
            if (!File.Exists(certPath) || !File.Exists(keyPath))
            {
                var subdomains = tls.ServiceSubdomains.Count > 0 ? tls.ServiceSubdomains : DefaultServiceSubdomains;
                CreateSelfSigned(server.Domains, subdomains, certPath, keyPath);
                Log.CertificateCreated(logger, certPath);
            }
        }

        var certificate = X509Certificate2.CreateFromPemFile(certPath, keyPath);
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(certPath);

        // The PEM files hold the leaf first; the rest is the chain sent to clients.
        var intermediates = new X509Certificate2Collection();
        for (var i = 1; i < chain.Count; i++)
        {
            intermediates.Add(chain[i]);
        }

        Log.CertificateLoaded(logger, certificate.Subject, Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA256)), certificate.NotAfter);
        return SslStreamCertificateContext.Create(certificate, intermediates, offline: true);
    }

    /// <summary>
    /// A self-signed certificate naming every domain, its service subdomains and 127.0.0.1, marked CA:TRUE so that
    /// clients can pin it as its own trust anchor (Go's verifier refuses a leaf-only anchor).
    /// </summary>
    internal static void CreateSelfSigned(IEnumerable<string> domains, IEnumerable<string> subdomains, string certPath, string keyPath)
    {
        var names = domains.ToList();
        if (names.Count == 0)
        {
            names.Add("localhost");
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={names[0]}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var domain in names)
        {
            san.AddDnsName(domain);
            foreach (var sub in subdomains)
            {
                san.AddDnsName($"{sub}.{domain}");
            }
        }

        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.KeyEncipherment, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));

        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(5));

        // Write the key first with owner-only permissions; the certificate is public.
        var keyPem = key.ExportPkcs8PrivateKeyPem();
        File.WriteAllText(keyPath, keyPem);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.WriteAllText(certPath, certificate.ExportCertificatePem() + "\n");
    }

    private static partial class Log
    {
        [LoggerMessage(100, LogLevel.Warning, "No certificate configured: created a self-signed certificate at {Path}", EventName = "CertificateCreated")]
        public static partial void CertificateCreated(ILogger logger, string path);

        [LoggerMessage(101, LogLevel.Information, "TLS certificate {Subject}, SHA-256 fingerprint {Fingerprint}, valid until {NotAfter}", EventName = "CertificateLoaded")]
        public static partial void CertificateLoaded(ILogger logger, string subject, string fingerprint, DateTime notAfter);

        [LoggerMessage(102, LogLevel.Error, "Reloading the TLS certificate failed; the current one stays in use", EventName = "CertificateReloadFailed")]
        public static partial void ReloadFailed(ILogger logger, Exception exception);
    }
}
