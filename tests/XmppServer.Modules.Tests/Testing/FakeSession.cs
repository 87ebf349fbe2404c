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

    public IOutboundFilter? OutboundFilter { get; private set; }

    /// <summary>Like the core's session: through the filter when one is installed, else straight to <see cref="Sent"/>.</summary>
    public bool Send(XmppElement stanza)
        => OutboundFilter is { } filter ? filter.Send(stanza, new RecordingQueue(this)) : Record(stanza);

    public void SetOutboundFilter(IOutboundFilter? filter)
    {
        var previous = OutboundFilter;
        OutboundFilter = filter;
        if (previous is not null && !ReferenceEquals(previous, filter))
        {
            previous.Release(new RecordingQueue(this));
        }
    }

    public ValueTask CloseAsync(StreamErrorCondition? error, string? text = null)
    {
        IsClosed = true;
        ClosedWith = error;
        return ValueTask.CompletedTask;
    }

    private bool Record(XmppElement stanza)
    {
        Sent.Enqueue(stanza);
        return !IsClosed;
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

    private sealed class RecordingQueue(FakeSession session) : IOutboundQueue
    {
        public bool Enqueue(XmppElement stanza) => session.Record(stanza);
    }
}
