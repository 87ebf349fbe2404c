using XmppServer.Protocol;

namespace XmppServer.Modules.Mam;

/// <summary>A message to append to a user's archive.</summary>
/// <param name="Peer">The other party: 'to' of an outgoing message, 'from' of an incoming one (XEP-0313 §3).</param>
/// <param name="Stamp">When the server archived it.</param>
/// <param name="Stanza">The message to keep, whole (XEP-0313 §3: the entire original stanza SHOULD be stored).</param>
public sealed record ArchiveEntry(Jid Peer, DateTimeOffset Stamp, XmppElement Stanza);
