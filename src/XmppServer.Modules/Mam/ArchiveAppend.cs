namespace XmppServer.Modules.Mam;

/// <summary>An append under way: the entry's archive id, known at once, and the commit that makes it durable.</summary>
/// <param name="Id">The archive id the store assigned (XEP-0313 UID, stamped as the XEP-0359 stanza-id).</param>
/// <param name="Committed">Completes once the entry is durable; faults when it could not be written.</param>
public readonly record struct ArchiveAppend(string Id, Task Committed);
