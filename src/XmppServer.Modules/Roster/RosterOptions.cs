using System.ComponentModel.DataAnnotations;

namespace XmppServer.Modules.Roster;

/// <summary>Roster limits, bound from the "Xmpp:Roster" configuration section.</summary>
public sealed class RosterOptions
{
    public const string SectionName = "Xmpp:Roster";

    /// <summary>
    /// Most items a roster may hold, and most unanswered subscription requests kept for one user. A roster set or
    /// subscription that would add more fails with resource-constraint (Prosody's "Roster is full").
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxItems { get; set; } = 1000;

    /// <summary>
    /// Presence subscription requests (RFC 6121 §3.1) one account may send per minute; more are bounced with
    /// policy-violation. 0 turns the limit off.
    /// </summary>
    [Range(0, 1_000_000)]
    public int MaxSubscriptionRequestsPerMinute { get; set; } = 20;

    /// <summary>Longest item name, in characters (RFC 6121 §2.3.3: longer is not-acceptable).</summary>
    [Range(1, 65_536)]
    public int MaxNameLength { get; set; } = 1024;

    /// <summary>Longest group name, in characters (RFC 6121 §2.3.3: longer is not-acceptable).</summary>
    [Range(1, 65_536)]
    public int MaxGroupLength { get; set; } = 1024;

    /// <summary>Most groups one item may be in.</summary>
    [Range(1, 10_000)]
    public int MaxGroupsPerItem { get; set; } = 100;
}
