using XmppServer.Protocol;

namespace XmppServer.Modules.Offline;

/// <summary>
/// Messages kept for accounts that had no available resource (XEP-0160). Keys are bare JIDs in canonical form.
/// Implementations must have made a message durable before <see cref="StoreAsync"/> returns: the sender is never
/// told (or left to assume) that a message was accepted when a crash could still lose it.
/// </summary>
public interface IOfflineStore
{
    /// <summary>
    /// Appends <paramref name="message"/> for <paramref name="user"/> unless the user already holds
    /// <paramref name="maxPerUser"/> messages; the count is checked in the same transaction as the insert, so
    /// concurrent senders can never push the queue past the limit.
    /// </summary>
    ValueTask<OfflineStoreResult> StoreAsync(Jid user, XmppElement message, DateTimeOffset stamp, int maxPerUser, CancellationToken cancellationToken);

    /// <summary>The user's messages in arrival order.</summary>
    ValueTask<IReadOnlyList<OfflineMessage>> LoadAsync(Jid user, CancellationToken cancellationToken);

    /// <summary>Removes the messages with these ids (those that were delivered); unknown ids are ignored.</summary>
    ValueTask RemoveAsync(Jid user, IReadOnlyCollection<long> ids, CancellationToken cancellationToken);

    ValueTask<int> CountAsync(Jid user, CancellationToken cancellationToken);

    /// <summary>Removes every message of the user (the account was deleted).</summary>
    ValueTask DeleteAllAsync(Jid user, CancellationToken cancellationToken);
}
