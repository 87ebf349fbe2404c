using XmppServer.Protocol;

namespace XmppServer.Modules.Mam;

/// <summary>A message in a user's archive.</summary>
/// <param name="Id">The archive id (XEP-0313 UID, the XEP-0359 stanza-id): opaque and unpredictable.</param>
/// <param name="Stamp">When the server archived it (XEP-0313 §3: sent, for outgoing; received, for incoming).</param>
/// <param name="Stanza">The message as it was routed.</param>
public sealed record ArchivedMessage(string Id, DateTimeOffset Stamp, XmppElement Stanza);
