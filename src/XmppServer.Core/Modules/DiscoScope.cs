namespace XmppServer.Core.Modules;

/// <summary>Where a disco#info entry is advertised.</summary>
public enum DiscoScope
{
    /// <summary>On the server's domain JID.</summary>
    Server,

    /// <summary>On the bare JID of every account (for example PEP, MAM).</summary>
    Account,
}
