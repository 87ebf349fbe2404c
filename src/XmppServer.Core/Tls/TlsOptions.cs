namespace XmppServer.Core.Tls;

/// <summary>Certificate and cipher settings (Xmpp:Tls).</summary>
public sealed class TlsOptions
{
    public const string SectionName = "Xmpp:Tls";

    /// <summary>PEM certificate (chain) file. Empty: a self-signed certificate is made in the data directory.</summary>
    public string CertificatePath { get; set; } = string.Empty;

    /// <summary>PEM private key file for <see cref="CertificatePath"/>.</summary>
    public string KeyPath { get; set; } = string.Empty;

    /// <summary>Which cipher suites client connections may negotiate.</summary>
    public TlsCipherPolicy CipherPolicy { get; set; } = TlsCipherPolicy.Strict;

    /// <summary>Service subdomains the self-signed certificate also names, for each hosted domain.</summary>
    public IList<string> ServiceSubdomains { get; } = [];
}
