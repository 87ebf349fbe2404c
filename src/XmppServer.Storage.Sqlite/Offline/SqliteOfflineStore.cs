using System.Globalization;
using Dapper;
using Microsoft.Data.Sqlite;
using XmppServer.Modules.Offline;
using XmppServer.Protocol;

namespace XmppServer.Storage.Sqlite.Offline;

/// <summary>
/// Offline messages in the <c>offline_messages</c> table, keyed by the prepared (domain, username) of the bare JID
/// and ordered by an ever-growing id. Stanzas are stored as XML text.
/// </summary>
internal sealed class SqliteOfflineStore(SqliteDatabase database) : IOfflineStore
{
    private const string CountSql =
        "SELECT COUNT(*) FROM offline_messages WHERE domain = @domain AND username = @username;";

    private const string InsertSql =
        "INSERT INTO offline_messages (domain, username, stamp, stanza) VALUES (@domain, @username, @stamp, @stanza);";

    private const string LoadSql =
        "SELECT id, stamp, stanza FROM offline_messages WHERE domain = @domain AND username = @username ORDER BY id;";

    private const string RemoveSql =
        "DELETE FROM offline_messages WHERE domain = @domain AND username = @username AND id IN @ids;";

    private const string DeleteAllSql =
        "DELETE FROM offline_messages WHERE domain = @domain AND username = @username;";

    private const string StampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    // SQLite allows 32766 host parameters per statement; deletes are batched well below that.
    private const int RemoveBatchSize = 500;

    public async ValueTask<OfflineStoreResult> StoreAsync(
        Jid user, XmppElement message, DateTimeOffset stamp, int maxPerUser, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var (domain, username) = Key(user);
        var write = new StoreWrite(domain, username, FormatStamp(stamp), OfflineStanzaSerializer.Serialize(message), maxPerUser);
        return await database.Writes.EnqueueAsync(write, cancellationToken);
    }

    public async ValueTask<IReadOnlyList<OfflineMessage>> LoadAsync(Jid user, CancellationToken cancellationToken)
    {
        var (domain, username) = Key(user);
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long Id, string Stamp, string Stanza)>(new CommandDefinition(
            LoadSql, new { domain, username }, cancellationToken: cancellationToken));

        var messages = new List<OfflineMessage>();
        foreach (var (id, stamp, text) in rows)
        {
            // A row that no longer parses is left in place rather than deleted: it cannot be delivered, but a fixed
            // parser could still recover it.
            if (OfflineStanzaSerializer.Deserialize(text) is { } stanza)
            {
                messages.Add(new OfflineMessage(id, stanza, ParseStamp(stamp)));
            }
        }

        return messages;
    }

    public async ValueTask RemoveAsync(Jid user, IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var (domain, username) = Key(user);
        if (ids.Count == 0)
        {
            return;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(
            System.Data.IsolationLevel.Serializable, cancellationToken);
        foreach (var batch in ids.Chunk(RemoveBatchSize))
        {
            await connection.ExecuteAsync(new CommandDefinition(
                RemoveSql, new { domain, username, ids = batch }, transaction, cancellationToken: cancellationToken));
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async ValueTask<int> CountAsync(Jid user, CancellationToken cancellationToken)
    {
        var (domain, username) = Key(user);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            CountSql, new { domain, username }, cancellationToken: cancellationToken));
    }

    public async ValueTask DeleteAllAsync(Jid user, CancellationToken cancellationToken)
    {
        var (domain, username) = Key(user);
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            DeleteAllSql, new { domain, username }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// One offline message, committed together with the other writes queued beside it. The count is read in the
    /// same transaction as the insert, which holds the write lock (BEGIN IMMEDIATE) and sees every write queued
    /// before it, so concurrent senders (in this process or another) can never push the queue past the limit. The
    /// caller hears "stored" only once the row is durable (synchronous=FULL), before anyone is told.
    /// </summary>
    private sealed class StoreWrite(string domain, string username, string stamp, string stanza, int maxPerUser)
        : SqliteWrite<OfflineStoreResult>
    {
        protected override OfflineStoreResult Run(SqliteWriteContext context)
        {
            var count = context.Command(CountSql);
            SqliteWriteContext.Bind(count, "@domain", domain);
            SqliteWriteContext.Bind(count, "@username", username);
            if ((long)count.ExecuteScalar()! >= maxPerUser)
            {
                return OfflineStoreResult.Full;
            }

            var insert = context.Command(InsertSql);
            SqliteWriteContext.Bind(insert, "@domain", domain);
            SqliteWriteContext.Bind(insert, "@username", username);
            SqliteWriteContext.Bind(insert, "@stamp", stamp);
            SqliteWriteContext.Bind(insert, "@stanza", stanza);
            insert.ExecuteNonQuery();
            return OfflineStoreResult.Stored;
        }
    }

    private static (string Domain, string Username) Key(Jid user)
    {
        ArgumentNullException.ThrowIfNull(user);

        // Offline messages belong to an account: the bare JID, whatever resource the message was addressed to.
        if (user.Local is null)
        {
            throw new ArgumentException("An account JID needs a localpart.", nameof(user));
        }

        return (user.Domain, user.Local);
    }

    private static string FormatStamp(DateTimeOffset stamp)
        => stamp.UtcDateTime.ToString(StampFormat, CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseStamp(string stamp)
        => DateTimeOffset.ParseExact(stamp, StampFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
