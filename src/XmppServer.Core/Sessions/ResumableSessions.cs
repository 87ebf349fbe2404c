using System.Collections.Concurrent;
using XmppServer.Protocol;

namespace XmppServer.Core;

/// <summary>Sessions that enabled XEP-0198 resumption, by resumption id.</summary>
internal sealed class ResumableSessions
{
    private readonly ConcurrentDictionary<string, ClientSession> _sessions = new(StringComparer.Ordinal);

    public void Add(string id, ClientSession session) => _sessions[id] = session;

    public void Remove(string id) => _sessions.TryRemove(id, out _);

    /// <summary>XEP-0198 §5: the session with this id, if it belongs to <paramref name="user"/> (no one resumes another's).</summary>
    public ClientSession? Find(string id, Jid user)
        => _sessions.TryGetValue(id, out var session) && session.Jid.Bare == user ? session : null;

    /// <summary>Every hibernating session, whatever its window (shutdown ends them all).</summary>
    public IEnumerable<ClientSession> Hibernating() => _sessions.Values.Where(session => session.IsHibernating);

    /// <summary>Hibernating sessions whose resumption window closed before <paramref name="now"/> - <paramref name="window"/>.</summary>
    public IEnumerable<ClientSession> Expired(long now, TimeSpan window)
    {
        foreach (var session in _sessions.Values)
        {
            if (session.IsHibernating && now - session.HibernatedAt > (long)window.TotalMilliseconds)
            {
                yield return session;
            }
        }
    }
}
