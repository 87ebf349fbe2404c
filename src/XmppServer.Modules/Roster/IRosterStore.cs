using XmppServer.Protocol;

namespace XmppServer.Modules.Roster;

/// <summary>
/// Rosters (RFC 6121 §2), subscription state (RFC 6121 §3, Appendix A) and roster versions (XEP-0237), per user.
/// Users and contacts are bare JIDs in canonical form. The version is a number kept as an opaque string; it grows
/// every time an item changes, so a client that cached version N knows its cache is stale once it differs.
/// </summary>
public interface IRosterStore
{
    /// <summary>All items of the user's roster (pending requests excluded) and the current version, read together.</summary>
    ValueTask<RosterSnapshot> GetRosterAsync(Jid user, CancellationToken cancellationToken);

    /// <summary>The item and the pending request for one contact.</summary>
    ValueTask<RosterEntry> GetEntryAsync(Jid user, Jid contact, CancellationToken cancellationToken);

    /// <summary>The inbound subscription requests the user has not answered yet (RFC 6121 §3.1.3).</summary>
    ValueTask<IReadOnlyList<PendingSubscription>> GetPendingSubscriptionsAsync(Jid user, CancellationToken cancellationToken);

    /// <summary>
    /// Reads the entry for <paramref name="contact"/>, applies <paramref name="change"/> and stores the result, as one
    /// atomic step (so that a subscription stanza from the contact and one from the user cannot interleave). The
    /// version grows when the item changes. <paramref name="change"/> must be a pure function and keep the contact's
    /// JID; it may run more than once. When the change adds an item while the roster already holds
    /// <paramref name="limit"/> items, or adds a pending request while <paramref name="limit"/> are pending, nothing
    /// is stored and the result says <see cref="RosterUpdate.LimitReached"/>.
    /// </summary>
    ValueTask<RosterUpdate> UpdateAsync(Jid user, Jid contact, Func<RosterEntry, RosterEntry> change, int limit, CancellationToken cancellationToken);

    /// <summary>Removes every item, pending request and the version of the user (the account was deleted).</summary>
    ValueTask DeleteUserAsync(Jid user, CancellationToken cancellationToken);
}
