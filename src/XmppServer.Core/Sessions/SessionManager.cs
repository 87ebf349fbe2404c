using System.Collections.Concurrent;
using XmppServer.Protocol;

namespace XmppServer.Core;

/// <summary>
/// Bound sessions by full and bare JID. Reads are lock-free (the per-account arrays are replaced, never mutated);
/// binds and unbinds take one lock, which is cheap next to a TLS handshake.
/// </summary>
internal sealed class SessionManager : ISessionManager
{
    private readonly ConcurrentDictionary<Jid, ClientSession> _byFull = new();
    private readonly ConcurrentDictionary<Jid, ClientSession[]> _byBare = new();
    private readonly Lock _lock = new();

    public int Count => _byFull.Count;

    public IEnumerable<ClientSession> All => _byFull.Values;

    public IReadOnlyList<IXmppSession> GetSessions(Jid bareJid)
        => _byBare.TryGetValue(bareJid, out var sessions) ? sessions : [];

    /// <summary>Typed variant for the core.</summary>
    public ClientSession[] GetClientSessions(Jid bareJid)
        => _byBare.TryGetValue(bareJid, out var sessions) ? sessions : [];

    public IXmppSession? GetSession(Jid fullJid) => _byFull.GetValueOrDefault(fullJid);

    public ClientSession? GetClientSession(Jid fullJid) => _byFull.GetValueOrDefault(fullJid);

    /// <summary>
    /// Binds <paramref name="session"/>. RFC 6120 §7.7.2.2: when the resource is taken, the new session wins and the
    /// old one is returned so the caller can close it with conflict.
    /// </summary>
    public ClientSession? Bind(ClientSession session)
    {
        lock (_lock)
        {
            ClientSession? replaced = null;
            if (_byFull.TryGetValue(session.Jid, out var existing))
            {
                replaced = existing;
                RemoveLocked(existing);
            }

            _byFull[session.Jid] = session;
            var bare = session.Jid.Bare;
            var current = _byBare.GetValueOrDefault(bare) ?? [];
            _byBare[bare] = [.. current, session];
            return replaced;
        }
    }

    /// <summary>True when a session with this full JID is bound (used to draw a free generated resource).</summary>
    public bool IsBound(Jid fullJid) => _byFull.ContainsKey(fullJid);

    /// <summary>Unbinds; false when this session was not (or no longer) the bound one.</summary>
    public bool Remove(ClientSession session)
    {
        lock (_lock)
        {
            return RemoveLocked(session);
        }
    }

    private bool RemoveLocked(ClientSession session)
    {
        if (!_byFull.TryGetValue(session.Jid, out var bound) || !ReferenceEquals(bound, session))
        {
            return false;
        }

        _byFull.TryRemove(session.Jid, out _);
        var bare = session.Jid.Bare;
        if (_byBare.TryGetValue(bare, out var sessions))
        {
            var remaining = Array.FindAll(sessions, s => !ReferenceEquals(s, session));
            if (remaining.Length == 0)
            {
                _byBare.TryRemove(bare, out _);
            }
            else
            {
                _byBare[bare] = remaining;
            }
        }

        return true;
    }
}
