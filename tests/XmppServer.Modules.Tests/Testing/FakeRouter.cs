using System.Collections.Concurrent;
using XmppServer.Core;
using XmppServer.Core.Routing;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Testing;

/// <summary>Records what modules route, and delivers direct deliveries into the fake sessions.</summary>
internal sealed class FakeRouter(ISessionManager sessions) : IStanzaRouter
{
    public ConcurrentQueue<XmppElement> Routed { get; } = new();

    public ConcurrentQueue<(XmppElement Stanza, StanzaErrorCondition Condition)> Bounced { get; } = new();

    /// <summary>Answers for SendIqAsync, by the request's payload namespace; none means a timeout.</summary>
    public Dictionary<string, Func<XmppElement, XmppElement>> IqResponders { get; } = [];

    public ValueTask RouteAsync(XmppElement stanza, CancellationToken cancellationToken)
    {
        Routed.Enqueue(stanza);
        return ValueTask.CompletedTask;
    }

    public bool DeliverTo(Jid fullJid, XmppElement stanza) => sessions.GetSession(fullJid)?.Send(stanza) ?? false;

    public ValueTask BounceAsync(XmppElement stanza, StanzaErrorCondition condition, string? text, CancellationToken cancellationToken)
    {
        if (stanza.Type != "error")
        {
            Bounced.Enqueue((stanza, condition));
        }

        return ValueTask.CompletedTask;
    }

    public Task<XmppElement> SendIqAsync(XmppElement iq, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var ns = iq.FirstElement()?.Namespace ?? string.Empty;
        return IqResponders.TryGetValue(ns, out var responder)
            ? Task.FromResult(responder(iq))
            : Task.FromException<XmppElement>(new TimeoutException());
    }

    public List<XmppElement> TakeRouted()
    {
        var list = new List<XmppElement>();
        while (Routed.TryDequeue(out var stanza))
        {
            list.Add(stanza);
        }

        return list;
    }
}
