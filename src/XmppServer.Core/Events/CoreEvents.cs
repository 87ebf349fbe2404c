using XmppServer.Protocol;

namespace XmppServer.Core.Events;

/// <summary>An account was deleted; every module removes the data it keeps for it.</summary>
public sealed record UserDeleted(Jid User);

/// <summary>A client bound a resource (RFC 6120 §7).</summary>
public sealed record SessionBound(IXmppSession Session);

/// <summary>A bound session ended, for whatever reason. Sent after the session left the session manager.</summary>
public sealed record SessionClosed(IXmppSession Session, bool WasAvailable);

/// <summary>
/// A client sent presence with no 'to' (RFC 6121 §4.2, §4.4, §4.5) and the core updated its availability.
/// <paramref name="IsInitial"/> is true for the first available presence of the session.
/// </summary>
public sealed record PresenceBroadcastRequested(IXmppSession Session, XmppElement Presence, bool WasAvailable, bool IsInitial);

/// <summary>
/// A message for a local account was handed to these sessions by the RFC 6121 §8.5 delivery rules (published after
/// delivery, before the sender's next stanza is processed). Carbons (XEP-0280) copy it to the account's other
/// resources from here.
/// </summary>
public sealed record MessageDelivered(XmppElement Message, Jid From, Jid To, IReadOnlyList<IXmppSession> DeliveredTo);

/// <summary>
/// A session that refused a delivery able to wait (<c>IStanzaRouter.DeliverIfRoom</c>: its queue was full) has
/// drained half of it, so the deliverer may go on. Published once after a refusal.
/// </summary>
public sealed record OutboundQueueDrained(IXmppSession Session);

/// <summary>
/// A hibernating session was resumed on a new stream (XEP-0198 §5). Published on the new connection after the
/// retransmitted stanzas were written and before the client's next element is handled, so that state which belongs
/// to a stream rather than to the session (XEP-0352 §5.2: client state) can start afresh.
/// </summary>
public sealed record SessionResumed(IXmppSession Session);
