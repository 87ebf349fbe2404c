namespace XmppServer.Core.Accounts;

/// <summary>Outcome of an <see cref="AccountManager"/> operation; failures are results, not exceptions.</summary>
public enum AccountResult
{
    Success,

    /// <summary>The domain is not one of Xmpp:Domains.</summary>
    UnknownDomain,

    /// <summary>The JID has no localpart or has a resource, so it cannot name an account.</summary>
    InvalidJid,

    /// <summary>The password is empty or not allowed by RFC 8265 OpaqueString.</summary>
    InvalidPassword,

    /// <summary>An account with this JID exists already.</summary>
    Exists,

    /// <summary>There is no account with this JID.</summary>
    NotFound,
}
