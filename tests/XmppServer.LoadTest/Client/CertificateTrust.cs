using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace XmppServer.LoadTest.Client;

/// <summary>How the server certificate is checked: system roots, the certificates of a PEM file, or not at all.</summary>
internal sealed class CertificateTrust
{
    private readonly X509Certificate2Collection? _anchors;
    private readonly bool _insecure;

    private CertificateTrust(X509Certificate2Collection? anchors, bool insecure)
    {
        _anchors = anchors;
        _insecure = insecure;
    }

    public static CertificateTrust Insecure { get; } = new(null, true);

    public static CertificateTrust System { get; } = new(null, false);

    public static CertificateTrust FromPemFile(string path)
    {
        var anchors = new X509Certificate2Collection();
        anchors.ImportFromPemFile(path);
        if (anchors.Count == 0)
        {
            throw new InvalidOperationException($"no certificate in {path}");
        }

        return new CertificateTrust(anchors, false);
    }

    public void Apply(SslClientAuthenticationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.CertificateRevocationCheckMode = X509RevocationMode.NoCheck;
        if (_anchors is not null)
        {
            // The given certificates are the only roots; the name is still checked against the domain.
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.AddRange(_anchors);
            options.CertificateChainPolicy = policy;
        }

        options.RemoteCertificateValidationCallback = Validate;
    }

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_insecure || errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (_anchors is null || certificate is null || errors != SslPolicyErrors.RemoteCertificateChainErrors)
        {
            return false;
        }

        // A self-signed server certificate given with --ca is trusted as itself (pinned), even when it is not
        // marked as a CA and so cannot anchor a chain.
        var raw = certificate.GetRawCertData();
        foreach (var anchor in _anchors)
        {
            if (anchor.RawData.AsSpan().SequenceEqual(raw))
            {
                return true;
            }
        }

        return false;
    }
}
