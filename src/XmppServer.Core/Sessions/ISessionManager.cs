using XmppServer.Protocol;

namespace XmppServer.Core;

/// <summary>The bound client sessions of this server.</summary>
public interface ISessionManager
{
    /// <summary>All bound sessions of an account (available or not), in binding order; empty when none.</summary>
    IReadOnlyList<IXmppSession> GetSessions(Jid bareJid);

    /// <summary>The session bound to a full JID, or null.</summary>
    IXmppSession? GetSession(Jid fullJid);

    /// <summary>Number of bound sessions.</summary>
    int Count { get; }
}
