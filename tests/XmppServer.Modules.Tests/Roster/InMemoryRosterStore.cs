using XmppServer.Modules.Roster;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Roster;

/// <summary>
/// The <see cref="IRosterStore"/> contract in memory, for driving the modules' state machine; the SQLite store is
/// tested against the same contract in the storage tests.
/// </summary>
internal sealed class InMemoryRosterStore : IRosterStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Jid, UserRoster> _users = [];

    public ValueTask<RosterSnapshot> GetRosterAsync(Jid user, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var roster = Get(user);
            var items = roster.Entries.Values.Where(e => e.Item is not null).Select(e => e.Item!).OrderBy(i => i.Jid.ToString(), StringComparer.Ordinal).ToList();
            return ValueTask.FromResult(new RosterSnapshot(items, roster.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    public ValueTask<RosterEntry> GetEntryAsync(Jid user, Jid contact, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(Get(user).Entries.GetValueOrDefault(contact) ?? RosterEntry.Empty);
        }
    }

    public ValueTask<IReadOnlyList<PendingSubscription>> GetPendingSubscriptionsAsync(Jid user, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<PendingSubscription> pending = Get(user).Entries.Values.Where(e => e.PendingIn is not null).Select(e => e.PendingIn!).ToList();
            return ValueTask.FromResult(pending);
        }
    }

    public ValueTask<RosterUpdate> UpdateAsync(Jid user, Jid contact, Func<RosterEntry, RosterEntry> change, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var roster = Get(user);
            var before = roster.Entries.GetValueOrDefault(contact) ?? RosterEntry.Empty;
            var after = change(before);
            if ((after.Item is not null && after.Item.Jid != contact) || (after.PendingIn is not null && after.PendingIn.Contact != contact))
            {
                throw new ArgumentException("The change must keep the contact's JID.", nameof(change));
            }

            var version = roster.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if ((before.Item is null && after.Item is not null && roster.Entries.Values.Count(e => e.Item is not null) >= limit)
                || (before.PendingIn is null && after.PendingIn is not null && roster.Entries.Values.Count(e => e.PendingIn is not null) >= limit))
            {
                return ValueTask.FromResult(new RosterUpdate(before, before, version, LimitReached: true));
            }

            if (after.IsEmpty)
            {
                roster.Entries.Remove(contact);
            }
            else
            {
                roster.Entries[contact] = after;
            }

            if (!Equals(before.Item, after.Item))
            {
                roster.Version++;
                version = roster.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return ValueTask.FromResult(new RosterUpdate(before, after, version, LimitReached: false));
        }
    }

    public ValueTask DeleteUserAsync(Jid user, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _users.Remove(user);
            return ValueTask.CompletedTask;
        }
    }

    private UserRoster Get(Jid user)
    {
        if (!_users.TryGetValue(user, out var roster))
        {
            _users[user] = roster = new UserRoster();
        }

        return roster;
    }

    private sealed class UserRoster
    {
        public Dictionary<Jid, RosterEntry> Entries { get; } = [];

        public long Version { get; set; }
    }
}
