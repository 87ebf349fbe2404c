using XmppServer.Protocol;

namespace XmppServer.Modules.Offline;

/// <summary>A stored message.</summary>
/// <param name="Id">Stable identity in the store; ids grow in arrival order.</param>
/// <param name="Stanza">The message as it arrived (the delay notation is added when it is delivered).</param>
/// <param name="Stamp">When the server stored it (XEP-0203 'stamp').</param>
public sealed record OfflineMessage(long Id, XmppElement Stanza, DateTimeOffset Stamp);
