using XmppServer.Core;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Testing;

internal sealed class FakeSessionManager : ISessionManager
{
    private readonly List<FakeSession> _sessions = [];

    public int Count => _sessions.Count;

    public FakeSession Add(string fullJid)
    {
        var session = new FakeSession(Jid.Parse(fullJid));
        _sessions.Add(session);
        return session;
    }

    public void Remove(FakeSession session) => _sessions.Remove(session);

    public IReadOnlyList<IXmppSession> GetSessions(Jid bareJid)
        => _sessions.Where(s => s.Jid.Bare == bareJid).ToList();

    public IXmppSession? GetSession(Jid fullJid) => _sessions.FirstOrDefault(s => s.Jid == fullJid);
}
