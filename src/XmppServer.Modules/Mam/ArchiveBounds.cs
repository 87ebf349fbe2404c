namespace XmppServer.Modules.Mam;

/// <summary>The first and the last message of a non-empty archive (XEP-0313 §5 metadata).</summary>
public sealed record ArchiveBounds(string FirstId, DateTimeOffset FirstStamp, string LastId, DateTimeOffset LastStamp);
