using XmppServer.Protocol;

namespace XmppServer.Modules.Roster;

/// <summary>
/// An inbound subscription request the user has neither approved nor denied ("Pending In", RFC 6121 §3.1.3). It is
/// kept until the user answers and delivered again each time the user comes online.
/// </summary>
/// <param name="Contact">The bare JID that asked.</param>
/// <param name="Status">The &lt;status/&gt; text of the request, if it had one.</param>
public sealed record PendingSubscription(Jid Contact, string? Status);
