using XmppServer.Protocol;

namespace XmppServer.Modules.Mam;

/// <summary>
/// One page request against a user's archive: the XEP-0313 §4.1 filters, which define the result set, and the
/// XEP-0059 paging over it.
/// </summary>
public sealed record ArchiveQuery
{
    /// <summary>Only messages with this peer: a bare JID matches any of its resources, a full JID only itself.</summary>
    public Jid? With { get; init; }

    /// <summary>Only messages archived at or after this time.</summary>
    public DateTimeOffset? Start { get; init; }

    /// <summary>Only messages archived at or before this time.</summary>
    public DateTimeOffset? End { get; init; }

    /// <summary>Only messages after the message with this archive id (exclusive).</summary>
    public string? AfterId { get; init; }

    /// <summary>Only messages before the message with this archive id (exclusive).</summary>
    public string? BeforeId { get; init; }

    /// <summary>Only these messages (XEP-0313 'ids').</summary>
    public IReadOnlyList<string>? Ids { get; init; }

    /// <summary>RSM &lt;after/&gt;: the page starts right after this id.</summary>
    public string? PageAfter { get; init; }

    /// <summary>
    /// RSM &lt;before/&gt;: the page ends right before this id and is counted backwards from it; the empty string
    /// (an empty &lt;before/&gt;) asks for the last page.
    /// </summary>
    public string? PageBefore { get; init; }

    /// <summary>Most messages in the page; 0 asks for the count alone.</summary>
    public int Max { get; init; } = 50;

    /// <summary>True to fill in <see cref="ArchivePage.Count"/> and <see cref="ArchivePage.FirstIndex"/>.</summary>
    public bool IncludeCount { get; init; } = true;

    /// <summary>True when the page is read backwards from its end (an RSM &lt;before/&gt;).</summary>
    public bool IsBackward => PageBefore is not null;
}
