namespace XmppServer.Core.Modules;

/// <summary>Which addresses an IQ handler answers for.</summary>
[Flags]
public enum IqTarget
{
    None = 0,

    /// <summary>The server's domain JID.</summary>
    Host = 1,

    /// <summary>The requester's own bare JID, or no 'to' at all (RFC 6120 §10.3.3).</summary>
    Self = 2,

    /// <summary>The bare JID of another local account.</summary>
    Bare = 4,

    /// <summary>Any account's bare JID, the requester's own included.</summary>
    Account = Self | Bare,
}
