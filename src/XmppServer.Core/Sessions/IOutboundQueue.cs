using XmppServer.Protocol;

namespace XmppServer.Core;

/// <summary>A session's outbound queue itself, past its <see cref="IOutboundFilter"/>: what the write loop drains.</summary>
public interface IOutboundQueue
{
    /// <summary>
    /// Queues a stanza for writing. Returns false when the session is closing or its queue overflowed; an overflow
    /// closes the session (the slow-consumer policy of <see cref="IXmppSession.Send"/>).
    /// </summary>
    bool Enqueue(XmppElement stanza);
}
