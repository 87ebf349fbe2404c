using System.Collections.Concurrent;
using XmppServer.Core;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Testing;

/// <summary>A bound client session that records what the server sends it.</summary>
internal sealed class FakeSession(Jid jid) : IXmppSession
{
    public string Id { get; } = "test-" + jid;

    public Jid Jid { get; } = jid;

    public bool IsSecure => true;

    public bool IsAvailable { get; set; }

    public int Priority { get; set; }

    public XmppElement? Presence { get; set; }

    public bool IsRosterInterested { get; set; }

    public SessionItems Items { get; } = new();

    public ConcurrentQueue<XmppElement> Sent { get; } = new();

    public StreamErrorCondition? ClosedWith { get; private set; }

    public bool IsClosed { get; private set; }

    /// <summary>Marks the session available with this presence, as the core does for presence without 'to'.</summary>
    public FakeSession MakeAvailable(int priority = 0)
    {
        IsAvailable = true;
        Priority = priority;
        var presence = new XmppElement("presence", Namespaces.Client) { From = Jid.ToString() };
        if (priority != 0)
        {
            presence.AddTextElement("priority", Namespaces.Client, priority.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        Presence = presence;
        return this;
    }

    public bool Send(XmppElement stanza)
    {
        Sent.Enqueue(stanza);
        return !IsClosed;
    }

    public ValueTask CloseAsync(StreamErrorCondition? error, string? text = null)
    {
        IsClosed = true;
        ClosedWith = error;
        return ValueTask.CompletedTask;
    }

    public List<XmppElement> TakeSent()
    {
        var list = new List<XmppElement>();
        while (Sent.TryDequeue(out var stanza))
        {
            list.Add(stanza);
        }

        return list;
    }
}
