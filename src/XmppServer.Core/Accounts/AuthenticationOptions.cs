namespace XmppServer.Core.Accounts;

/// <summary>Settings of password storage and SASL (Xmpp:Authentication).</summary>
public sealed class AuthenticationOptions
{
    public const string SectionName = "Xmpp:Authentication";

    /// <summary>PBKDF2 iterations for newly stored SCRAM keys (RFC 7677 §4 recommends at least 4096).</summary>
    public int ScramIterations { get; set; } = 4096;

    /// <summary>Offer PLAIN (on TLS only); needed by mcabber and go-sendxmpp.</summary>
    public bool AllowPlain { get; set; } = true;
}
