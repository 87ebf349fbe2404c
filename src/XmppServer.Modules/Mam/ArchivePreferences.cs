using XmppServer.Protocol;

namespace XmppServer.Modules.Mam;

/// <summary>A user's archiving preferences (XEP-0441): a default and the JIDs always or never archived.</summary>
public sealed record ArchivePreferences(ArchiveDefault Default, IReadOnlyList<Jid> Always, IReadOnlyList<Jid> Never);
