using XmppServer.Protocol;

namespace XmppServer.Modules.Presence;

/// <summary>
/// The addresses one session sent directed presence to (RFC 6121 §4.6), kept in the session's items so that they
/// get unavailable presence when the session goes offline.
/// </summary>
internal sealed class DirectedPresence
{
    private readonly Lock _lock = new();
    private readonly HashSet<Jid> _targets = [];

    public void Add(Jid target)
    {
        lock (_lock)
        {
            _targets.Add(target);
        }
    }

    public void Remove(Jid target)
    {
        lock (_lock)
        {
            _targets.Remove(target);
        }
    }

    public bool Contains(Jid target)
    {
        lock (_lock)
        {
            return _targets.Contains(target);
        }
    }

    /// <summary>Returns every target and forgets them.</summary>
    public List<Jid> TakeAll()
    {
        lock (_lock)
        {
            var targets = _targets.ToList();
            _targets.Clear();
            return targets;
        }
    }
}
