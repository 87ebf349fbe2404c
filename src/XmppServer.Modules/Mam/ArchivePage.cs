namespace XmppServer.Modules.Mam;

/// <summary>One page of a query's result set, in archive order.</summary>
/// <param name="Messages">The page, oldest first.</param>
/// <param name="Complete">
/// True when no further matching message lies beyond the page in the paging direction (after it when paging
/// forwards, before it when paging backwards).
/// </param>
/// <param name="Count">How many messages the whole result set holds, when asked for.</param>
/// <param name="FirstIndex">The position of the page's first message in the result set, when asked for.</param>
public sealed record ArchivePage(IReadOnlyList<ArchivedMessage> Messages, bool Complete, int? Count, int? FirstIndex);
