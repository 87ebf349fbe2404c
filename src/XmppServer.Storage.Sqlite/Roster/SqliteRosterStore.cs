using System.Data;
using System.Globalization;
using Dapper;
using Microsoft.Data.Sqlite;
using XmppServer.Modules.Roster;
using XmppServer.Protocol;

namespace XmppServer.Storage.Sqlite.Roster;

/// <summary>
/// Rosters in <c>roster_items</c>/<c>roster_groups</c>, unanswered requests in <c>roster_pending_in</c> and the
/// XEP-0237 version in <c>roster_versions</c>, all keyed by the owner's (domain, username).
/// </summary>
internal sealed class SqliteRosterStore(SqliteDatabase database) : IRosterStore
{
    private const string SelectItemsSql =
        "SELECT contact, name, subscription, ask, approved FROM roster_items WHERE domain = @domain AND username = @username ORDER BY contact;";

    private const string SelectGroupsSql =
        "SELECT contact, name FROM roster_groups WHERE domain = @domain AND username = @username ORDER BY contact, position;";

    private const string SelectVersionSql =
        "SELECT version FROM roster_versions WHERE domain = @domain AND username = @username;";

    private const string SelectItemSql =
        "SELECT contact, name, subscription, ask, approved FROM roster_items WHERE domain = @domain AND username = @username AND contact = @contact;";

    private const string SelectItemGroupsSql =
        "SELECT contact, name FROM roster_groups WHERE domain = @domain AND username = @username AND contact = @contact ORDER BY position;";

    private const string SelectPendingSql =
        "SELECT contact, status FROM roster_pending_in WHERE domain = @domain AND username = @username AND contact = @contact;";

    private const string SelectAllPendingSql =
        "SELECT contact, status FROM roster_pending_in WHERE domain = @domain AND username = @username ORDER BY received_at, contact;";

    private const string CountItemsSql =
        "SELECT COUNT(*) FROM roster_items WHERE domain = @domain AND username = @username;";

    private const string CountPendingSql =
        "SELECT COUNT(*) FROM roster_pending_in WHERE domain = @domain AND username = @username;";

    private const string UpsertItemSql =
        "INSERT INTO roster_items (domain, username, contact, name, subscription, ask, approved) " +
        "VALUES (@domain, @username, @contact, @name, @subscription, @ask, @approved) " +
        "ON CONFLICT (domain, username, contact) DO UPDATE SET name = excluded.name, subscription = excluded.subscription, " +
        "ask = excluded.ask, approved = excluded.approved;";

    private const string DeleteItemSql =
        "DELETE FROM roster_items WHERE domain = @domain AND username = @username AND contact = @contact;";

    private const string DeleteItemGroupsSql =
        "DELETE FROM roster_groups WHERE domain = @domain AND username = @username AND contact = @contact;";

    private const string InsertGroupSql =
        "INSERT INTO roster_groups (domain, username, contact, name, position) VALUES (@domain, @username, @contact, @name, @position);";

    // The first request is kept (RFC 6121 §3.1.3 lets the server keep one, "such as the first"), with its time, so
    // that requests are re-delivered oldest first.
    private const string UpsertPendingSql =
        "INSERT INTO roster_pending_in (domain, username, contact, status, received_at) VALUES (@domain, @username, @contact, @status, @receivedAt) " +
        "ON CONFLICT (domain, username, contact) DO UPDATE SET status = excluded.status;";

    private const string DeletePendingSql =
        "DELETE FROM roster_pending_in WHERE domain = @domain AND username = @username AND contact = @contact;";

    private const string BumpVersionSql =
        "INSERT INTO roster_versions (domain, username, version) VALUES (@domain, @username, 1) " +
        "ON CONFLICT (domain, username) DO UPDATE SET version = version + 1 RETURNING version;";

    // Groups first: they reference the items.
    private const string DeleteUserSql =
        "DELETE FROM roster_groups WHERE domain = @domain AND username = @username; " +
        "DELETE FROM roster_items WHERE domain = @domain AND username = @username; " +
        "DELETE FROM roster_pending_in WHERE domain = @domain AND username = @username; " +
        "DELETE FROM roster_versions WHERE domain = @domain AND username = @username;";

    public async ValueTask<RosterSnapshot> GetRosterAsync(Jid user, CancellationToken cancellationToken)
    {
        var (domain, username) = Key(user);
        await using var connection = await database.OpenAsync(cancellationToken);

        // One read transaction: with WAL it sees a single snapshot, so the version matches the items returned.
        await using var transaction = connection.BeginTransaction(deferred: true);
        var key = new { domain, username };
        var rows = await connection.QueryAsync<ItemRow>(new CommandDefinition(SelectItemsSql, key, transaction, cancellationToken: cancellationToken));
        var groupRows = await connection.QueryAsync<GroupRow>(new CommandDefinition(SelectGroupsSql, key, transaction, cancellationToken: cancellationToken));
        var version = await ReadVersionAsync(connection, transaction, key, cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        var groups = groupRows.GroupBy(row => row.Contact, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(row => row.Name).ToList(), StringComparer.Ordinal);
        var items = rows.Select(row => row.ToItem(groups.GetValueOrDefault(row.Contact) ?? [])).ToList();
        return new RosterSnapshot(items, version);
    }

    public async ValueTask<RosterEntry> GetEntryAsync(Jid user, Jid contact, CancellationToken cancellationToken)
    {
        var (domain, username) = Key(user);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = connection.BeginTransaction(deferred: true);
        var entry = await ReadEntryAsync(connection, transaction, new { domain, username, contact = contact.ToString() }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return entry;
    }

    public async ValueTask<IReadOnlyList<PendingSubscription>> GetPendingSubscriptionsAsync(Jid user, CancellationToken cancellationToken)
    {
        var (domain, username) = Key(user);
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<PendingRow>(new CommandDefinition(
            SelectAllPendingSql, new { domain, username }, cancellationToken: cancellationToken));
        return rows.Select(row => row.ToPending()).ToList();
    }

    public async ValueTask<RosterUpdate> UpdateAsync(
        Jid user, Jid contact, Func<RosterEntry, RosterEntry> change, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(contact);
        ArgumentNullException.ThrowIfNull(change);
        var (domain, username) = Key(user);
        var contactValue = contact.ToString();
        var key = new { domain, username, contact = contactValue };

        await using var connection = await database.OpenAsync(cancellationToken);

        // BEGIN IMMEDIATE: the write lock is taken before reading, so that the read-change-write is atomic against
        // other writers, in this process or in the CLI.
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken);
        var before = await ReadEntryAsync(connection, transaction, key, cancellationToken);
        var after = change(before);
        if ((after.Item is not null && after.Item.Jid != contact) || (after.PendingIn is not null && after.PendingIn.Contact != contact))
        {
            throw new ArgumentException("The change must keep the contact's JID.", nameof(change));
        }

        var itemChanged = !Equals(before.Item, after.Item);
        var pendingChanged = !Equals(before.PendingIn, after.PendingIn);
        if (!itemChanged && !pendingChanged)
        {
            var current = await ReadVersionAsync(connection, transaction, key, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return new RosterUpdate(before, before, current, LimitReached: false);
        }

        if ((before.Item is null && after.Item is not null && await CountAsync(CountItemsSql) >= limit)
            || (before.PendingIn is null && after.PendingIn is not null && await CountAsync(CountPendingSql) >= limit))
        {
            var current = await ReadVersionAsync(connection, transaction, key, cancellationToken);
            await transaction.RollbackAsync(cancellationToken);
            return new RosterUpdate(before, before, current, LimitReached: true);
        }

        if (itemChanged)
        {
            await WriteItemAsync(connection, transaction, domain, username, contactValue, after.Item, cancellationToken);
        }

        if (pendingChanged)
        {
            var sql = after.PendingIn is null ? DeletePendingSql : UpsertPendingSql;
            await connection.ExecuteAsync(new CommandDefinition(
                sql,
                new { domain, username, contact = contactValue, status = after.PendingIn?.Status, receivedAt = Now() },
                transaction,
                cancellationToken: cancellationToken));
        }

        var version = itemChanged
            ? (await connection.ExecuteScalarAsync<long>(new CommandDefinition(BumpVersionSql, new { domain, username }, transaction, cancellationToken: cancellationToken)))
                .ToString(CultureInfo.InvariantCulture)
            : await ReadVersionAsync(connection, transaction, key, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new RosterUpdate(before, after, version, LimitReached: false);

        Task<long> CountAsync(string sql)
            => connection.ExecuteScalarAsync<long>(new CommandDefinition(sql, new { domain, username }, transaction, cancellationToken: cancellationToken));
    }

    public async ValueTask DeleteUserAsync(Jid user, CancellationToken cancellationToken)
    {
        var (domain, username) = Key(user);
        var key = new { domain, username };
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(DeleteUserSql, key, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task<RosterEntry> ReadEntryAsync(SqliteConnection connection, SqliteTransaction transaction, object key, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<ItemRow>(new CommandDefinition(SelectItemSql, key, transaction, cancellationToken: cancellationToken));
        RosterItem? item = null;
        if (row is not null)
        {
            var groups = await connection.QueryAsync<GroupRow>(new CommandDefinition(SelectItemGroupsSql, key, transaction, cancellationToken: cancellationToken));
            item = row.ToItem(groups.Select(g => g.Name).ToList());
        }

        var pending = await connection.QuerySingleOrDefaultAsync<PendingRow>(new CommandDefinition(SelectPendingSql, key, transaction, cancellationToken: cancellationToken));
        return new RosterEntry(item, pending?.ToPending());
    }

    private static async Task WriteItemAsync(
        SqliteConnection connection, SqliteTransaction transaction, string domain, string username, string contact, RosterItem? item, CancellationToken cancellationToken)
    {
        var key = new { domain, username, contact };
        await connection.ExecuteAsync(new CommandDefinition(DeleteItemGroupsSql, key, transaction, cancellationToken: cancellationToken));
        if (item is null)
        {
            await connection.ExecuteAsync(new CommandDefinition(DeleteItemSql, key, transaction, cancellationToken: cancellationToken));
            return;
        }

        await connection.ExecuteAsync(new CommandDefinition(
            UpsertItemSql,
            new
            {
                domain,
                username,
                contact,
                name = item.Name,
                subscription = item.Subscription.ToAttributeValue(),
                ask = item.Ask ? 1 : 0,
                approved = item.Approved ? 1 : 0,
            },
            transaction,
            cancellationToken: cancellationToken));

        for (var i = 0; i < item.Groups.Count; i++)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                InsertGroupSql,
                new { domain, username, contact, name = item.Groups[i], position = i },
                transaction,
                cancellationToken: cancellationToken));
        }
    }

    private static async Task<string> ReadVersionAsync(SqliteConnection connection, SqliteTransaction transaction, object key, CancellationToken cancellationToken)
    {
        var version = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(SelectVersionSql, key, transaction, cancellationToken: cancellationToken));
        return (version ?? 0).ToString(CultureInfo.InvariantCulture);
    }

    private static (string Domain, string Username) Key(Jid user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.Local is null)
        {
            throw new ArgumentException("A roster belongs to an account: the JID needs a localpart.", nameof(user));
        }

        return (user.Domain, user.Local);
    }

    private static string Now() => DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);

    private sealed class ItemRow
    {
        public string Contact { get; set; } = string.Empty;

        public string? Name { get; set; }

        public string Subscription { get; set; } = "none";

        public long Ask { get; set; }

        public long Approved { get; set; }

        public RosterItem ToItem(IReadOnlyList<string> groups)
        {
            if (!RosterSubscriptionExtensions.TryParse(Subscription, out var subscription))
            {
                throw new InvalidDataException($"Roster item {Contact} has subscription '{Subscription}'.");
            }

            return new RosterItem(Jid.Parse(Contact), Name, groups, subscription, Ask != 0, Approved != 0);
        }
    }

    private sealed class GroupRow
    {
        public string Contact { get; set; } = string.Empty;

        public string Name { get; set; } = string.Empty;
    }

    private sealed class PendingRow
    {
        public string Contact { get; set; } = string.Empty;

        public string? Status { get; set; }

        public PendingSubscription ToPending() => new(Jid.Parse(Contact), Status);
    }
}
