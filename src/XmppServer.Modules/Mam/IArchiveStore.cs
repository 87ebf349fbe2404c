using XmppServer.Protocol;

namespace XmppServer.Modules.Mam;

/// <summary>
/// Per-user message archives (XEP-0313) and archiving preferences (XEP-0441). Users are bare JIDs in canonical form.
/// Archive order is the order in which <see cref="Append"/> was called: a write takes its place when the call is
/// made, before it completes, because the module delivers a message while its entry commits and the archive must keep
/// the order of delivery. Archive ids are assigned by the store when the call is made: opaque, unpredictable and never
/// reused. Reads see every append called before them, committed or not yet (the module hands out an entry's id as
/// the message's stanza-id before the entry commits, and a client may query by it at once). A page of any archive,
/// however large, must be answered without reading the messages before it (keyset paging).
/// </summary>
public interface IArchiveStore
{
    /// <summary>
    /// Appends a message to the end of the user's archive and returns its archive id at once; the entry is durable
    /// when <see cref="ArchiveAppend.Committed"/> completes.
    /// </summary>
    ArchiveAppend Append(Jid user, ArchiveEntry entry, CancellationToken cancellationToken);

    /// <summary>
    /// One page of the query's result set, or null when an id the query names (AfterId, BeforeId, Ids, PageAfter or a
    /// non-empty PageBefore) is not in the user's archive (XEP-0313 §4.1.3 and §4.3.2: item-not-found).
    /// </summary>
    ValueTask<ArchivePage?> QueryAsync(Jid user, ArchiveQuery query, CancellationToken cancellationToken);

    /// <summary>The first and last message of the archive, or null when it is empty.</summary>
    ValueTask<ArchiveBounds?> GetBoundsAsync(Jid user, CancellationToken cancellationToken);

    /// <summary>The user's stored preferences, or null when the user never set any.</summary>
    ValueTask<ArchivePreferences?> GetPreferencesAsync(Jid user, CancellationToken cancellationToken);

    /// <summary>Replaces the user's preferences.</summary>
    ValueTask SetPreferencesAsync(Jid user, ArchivePreferences preferences, CancellationToken cancellationToken);

    /// <summary>Removes every message, of every archive, archived before <paramref name="cutoff"/>; returns how many.</summary>
    ValueTask<int> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);

    /// <summary>Removes the user's archive and preferences (the account was deleted).</summary>
    ValueTask DeleteUserAsync(Jid user, CancellationToken cancellationToken);
}
