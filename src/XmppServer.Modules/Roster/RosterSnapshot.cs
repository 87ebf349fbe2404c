namespace XmppServer.Modules.Roster;

/// <summary>A user's whole roster and the version it has (XEP-0237).</summary>
public sealed record RosterSnapshot(IReadOnlyList<RosterItem> Items, string Version);
