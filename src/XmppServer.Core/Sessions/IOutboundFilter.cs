using XmppServer.Protocol;

namespace XmppServer.Core;

/// <summary>
/// Sees every stanza sent to one session before its queue does, so that a module can hold some back and pass them on
/// later (XEP-0352 Client State Indication holds unimportant traffic for a client that says it is inactive). A session
/// has at most one; without one, sending costs nothing extra.
/// </summary>
/// <remarks>
/// Installed with <see cref="IXmppSession.SetOutboundFilter"/>. The filter lives with the session, not with its
/// connection: it stays through a XEP-0198 hibernation and resumption unless a module removes it. When the session
/// closes the core removes it and <see cref="Release"/> hands what it holds to the queue, so those stanzas end like any
/// stanza queued and never written (routed again, bounced or dropped by the session's end).
/// </remarks>
public interface IOutboundFilter
{
    /// <summary>
    /// A stanza on its way to the client. Called from any thread, concurrently. The filter passes it on with
    /// <paramref name="queue"/>, now or later (stanzas it passes on keep the order it gives them), or keeps it.
    /// Returns what <see cref="IXmppSession.Send"/> returns: false only when the session refused a stanza.
    /// </summary>
    /// <remarks>
    /// A sender that found the filter just before it was removed may still call this after <see cref="Release"/>;
    /// the filter then passes the stanza straight on.
    /// </remarks>
    bool Send(XmppElement stanza, IOutboundQueue queue);

    /// <summary>
    /// The filter was removed (replaced, taken out, or its session is closing): it passes on everything it holds, in
    /// order, with <paramref name="queue"/>, and from now on passes every stanza straight on.
    /// </summary>
    void Release(IOutboundQueue queue);
}
