using XmppServer.Core.Routing;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Offline;

/// <summary>Passes everything to an inner router but accepts only so many direct deliveries (a queue that fills up).</summary>
internal sealed class LimitedRouter(IStanzaRouter inner, int deliveries) : IStanzaRouter
{
    private int _left = deliveries;

    /// <summary>The queue drained: this many more deliveries are accepted.</summary>
    public void Allow(int more) => Volatile.Write(ref _left, more);

    public ValueTask RouteAsync(XmppElement stanza, CancellationToken cancellationToken) => inner.RouteAsync(stanza, cancellationToken);

    public bool DeliverTo(Jid fullJid, XmppElement stanza)
        => Interlocked.Decrement(ref _left) >= 0 && inner.DeliverTo(fullJid, stanza);

    public ValueTask BounceAsync(XmppElement stanza, StanzaErrorCondition condition, string? text, CancellationToken cancellationToken)
        => inner.BounceAsync(stanza, condition, text, cancellationToken);

    public Task<XmppElement> SendIqAsync(XmppElement iq, TimeSpan timeout, CancellationToken cancellationToken)
        => inner.SendIqAsync(iq, timeout, cancellationToken);
}
