using Dapper;
using Microsoft.Data.Sqlite;
using XmppServer.Modules.Mam;
using XmppServer.Protocol;
using XmppServer.Storage.Sqlite.Offline;

namespace XmppServer.Storage.Sqlite.Mam;

/// <summary>
/// Message archives in <c>archive_messages</c>. Every query is a seq range on one index, (domain, username, seq) or
/// (domain, username, with_bare, seq), read with LIMIT from the page's edge: a page costs the same whether the
/// archive holds a hundred messages or millions, and nothing before the page is read. The RSM count and index come
/// from a per-archive counter and from index walks capped at <see cref="CountCap"/> entries; where an exact figure
/// would take a longer walk it is left out, as XEP-0059 §2.2 allows for values that are exceptionally costly.
/// </summary>
/// <remarks>
/// A message's archive id is made from its seq (<see cref="ArchiveIdCodec"/>) and its row stores '' as id; rows
/// archived before that keep the random id they were given, found through a partial index of those ids only.
/// </remarks>
internal sealed class SqliteArchiveStore(SqliteDatabase database) : IArchiveStore, IDisposable
{
    // seq is assigned when the append is queued (see Append); id '' says "made from seq".
    private const string InsertSql =
        "INSERT INTO archive_messages (seq, domain, username, id, with_bare, with_resource, stanza) "
        + "VALUES (@seq, @domain, @username, '', @withBare, @withResource, @stanza);";

    private const string MaxSeqSql = "SELECT MAX(seq) FROM archive_messages;";

    private const string KeySql = "SELECT key FROM archive_id_key WHERE only = 1;";

    private const string IncrementCountSql =
        "INSERT INTO archive_counts (domain, username, total) VALUES (@domain, @username, 1) "
        + "ON CONFLICT (domain, username) DO UPDATE SET total = total + 1;";

    private const string TotalSql = "SELECT total FROM archive_counts WHERE domain = @domain AND username = @username;";

    private const string SeqOfSeqSql =
        "SELECT seq FROM archive_messages WHERE seq = @seq AND domain = @domain AND username = @username AND id = '';";

    // "id <> ''" lets SQLite use the partial index of the older rows' random ids.
    private const string SeqOfLegacyIdSql =
        "SELECT seq FROM archive_messages WHERE domain = @domain AND username = @username AND id = @id AND id <> '';";

    private const string RangeFilter =
        " FROM archive_messages WHERE domain = @domain AND username = @username AND seq >= @lo AND seq <= @hi";

    private const string WithFilter = " AND with_bare = @withBare AND (@withResource IS NULL OR with_resource = @withResource)";

    private const string PageColumns = "SELECT seq AS Seq, id AS Id, stanza AS Stanza";

    internal const string ForwardSql = PageColumns + RangeFilter + " ORDER BY seq LIMIT @limit;";

    internal const string BackwardSql = PageColumns + RangeFilter + " ORDER BY seq DESC LIMIT @limit;";

    internal const string ForwardWithSql = PageColumns + RangeFilter + WithFilter + " ORDER BY seq LIMIT @limit;";

    internal const string BackwardWithSql = PageColumns + RangeFilter + WithFilter + " ORDER BY seq DESC LIMIT @limit;";

    // Counts at most @cap entries of a seq range, so no count ever walks more of the index than that.
    internal const string CountSql = "SELECT COUNT(*) FROM (SELECT 1" + RangeFilter + " LIMIT @cap);";

    internal const string CountWithSql = "SELECT COUNT(*) FROM (SELECT 1" + RangeFilter + WithFilter + " LIMIT @cap);";

    private const string ByIdsColumns =
        "SELECT seq AS Seq, id AS Id, stanza AS Stanza, with_bare AS WithBare, with_resource AS WithResource "
        + "FROM archive_messages WHERE domain = @domain AND username = @username";

    private const string BySeqsSql = ByIdsColumns + " AND seq IN @seqs AND id = '';";

    private const string ByLegacyIdsSql = ByIdsColumns + " AND id IN @ids AND id <> '';";

    private const string FirstSql =
        "SELECT seq AS Seq, id AS Id FROM archive_messages WHERE domain = @domain AND username = @username ORDER BY seq LIMIT 1;";

    private const string LastSql =
        "SELECT seq AS Seq, id AS Id FROM archive_messages WHERE domain = @domain AND username = @username ORDER BY seq DESC LIMIT 1;";

    private const string UncountOlderSql =
        "UPDATE archive_counts SET total = total - (SELECT COUNT(*) FROM archive_messages m "
        + "WHERE m.domain = archive_counts.domain AND m.username = archive_counts.username AND m.seq < @cutoff);";

    private const string DeleteOlderSql = "DELETE FROM archive_messages WHERE seq < @cutoff;";

    private const string DeleteUserMessagesSql = "DELETE FROM archive_messages WHERE domain = @domain AND username = @username;";

    private const string DeleteUserCountSql = "DELETE FROM archive_counts WHERE domain = @domain AND username = @username;";

    private const string DeleteUserPreferencesSql = "DELETE FROM archive_preferences WHERE domain = @domain AND username = @username;";

    private const string GetPreferencesSql =
        "SELECT default_mode AS DefaultMode, always_jids AS AlwaysJids, never_jids AS NeverJids "
        + "FROM archive_preferences WHERE domain = @domain AND username = @username;";

    private const string SetPreferencesSql =
        "INSERT INTO archive_preferences (domain, username, default_mode, always_jids, never_jids) "
        + "VALUES (@domain, @username, @mode, @always, @never) "
        + "ON CONFLICT (domain, username) DO UPDATE SET default_mode = excluded.default_mode, "
        + "always_jids = excluded.always_jids, never_jids = excluded.never_jids;";

    /// <summary>The most index entries one count walks by default (about a millisecond's work).</summary>
    internal const int CountLimit = 10_000;

    // SQLite allows 32766 host parameters per statement; id lists are read in batches well below that.
    private const int IdBatchSize = 500;

    // Guards the seq counter and the queueing of appends, so seq order is queue order.
    private readonly Lock _appendGate = new();
    private ArchiveIdCodec? _ids;
    private long _lastSeq;

    // The commit of the last append queued: every append before it commits first (the queue runs in order).
    private Task _lastAppend = Task.CompletedTask;

    /// <summary>The most index entries one count walks.</summary>
    internal int CountCap { get; init; } = CountLimit;

    /// <summary>The codec of this database's archive ids (benchmarks make ids of rows they inserted themselves).</summary>
    internal ArchiveIdCodec IdCodec => Ids();

    public void Dispose() => _ids?.Dispose();

    public ArchiveAppend Append(Jid user, ArchiveEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var (domain, username) = Key(user);
        var ids = Ids();

        // Serialized here, on the caller's thread, so the writer thread only runs statements.
        var stanza = OfflineStanzaSerializer.Serialize(entry.Stanza);
        lock (_appendGate)
        {
            // seq is the archive time in microseconds, past every seq before it: archive order is queue order (and
            // commit order) even if the clock steps back, and no seq, so no id, is handed out twice by this process.
            var seq = Math.Max(ToSeq(entry.Stamp), _lastSeq + 1);
            _lastSeq = seq;
            var committed = database.Writes.EnqueueAsync(new AppendWrite(seq, domain, username, entry, stanza), cancellationToken);
            Volatile.Write(ref _lastAppend, committed);
            return new ArchiveAppend(ids.Encode(seq), committed);
        }
    }

    public async ValueTask<ArchivePage?> QueryAsync(Jid user, ArchiveQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var (domain, username) = Key(user);
        await AppendsQueuedSoFarAsync(cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);

        var ids = Ids();
        async ValueTask<long?> SeqOfAsync(string id)
            => ids.TryDecode(id, out var seq)
                ? await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                    SeqOfSeqSql, new { seq, domain, username }, cancellationToken: cancellationToken))
                : await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                    SeqOfLegacyIdSql, new { domain, username, id }, cancellationToken: cancellationToken));

        // The result set: the form's filters, as one inclusive seq range (ids are exclusive bounds).
        var lo = query.Start is { } start ? ToSeq(start) : long.MinValue;
        var hi = query.End is { } end ? ToSeq(end) : long.MaxValue;
        if (query.AfterId is { } afterId)
        {
            if (await SeqOfAsync(afterId) is not { } seq)
            {
                return null;
            }

            lo = Math.Max(lo, seq + 1);
        }

        if (query.BeforeId is { } beforeId)
        {
            if (await SeqOfAsync(beforeId) is not { } seq)
            {
                return null;
            }

            hi = Math.Min(hi, seq - 1);
        }

        // The page: the RSM bounds narrow the range further but leave the count alone.
        var pageLo = lo;
        var pageHi = hi;
        if (query.PageAfter is { } pageAfter)
        {
            if (await SeqOfAsync(pageAfter) is not { } seq)
            {
                return null;
            }

            pageLo = Math.Max(pageLo, seq + 1);
        }

        if (query.PageBefore is { Length: > 0 } pageBefore)
        {
            if (await SeqOfAsync(pageBefore) is not { } seq)
            {
                return null;
            }

            pageHi = Math.Min(pageHi, seq - 1);
        }

        var withBare = query.With?.Bare.ToString();
        var withResource = query.With?.Resource;
        if (query.Ids is { Count: > 0 } named)
        {
            return await QueryByIdsAsync(connection, ids, domain, username, named, query, lo, hi, pageLo, pageHi, cancellationToken);
        }

        // One row more than the page tells whether the result set goes on beyond it.
        var sql = (query.IsBackward, withBare is null) switch
        {
            (false, true) => ForwardSql,
            (true, true) => BackwardSql,
            (false, false) => ForwardWithSql,
            (true, false) => BackwardWithSql,
        };
        var rows = (await connection.QueryAsync<PageRow>(new CommandDefinition(
            sql,
            new { domain, username, lo = pageLo, hi = pageHi, withBare, withResource, limit = query.Max + 1 },
            cancellationToken: cancellationToken))).ToList();

        var complete = rows.Count <= query.Max;
        if (!complete)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        if (query.IsBackward)
        {
            rows.Reverse();
        }

        int? count = null;
        int? firstIndex = null;
        if (query.IncludeCount)
        {
            async ValueTask<int?> CountAsync(long from, long to)
            {
                var counted = from > to ? 0 : await connection.ExecuteScalarAsync<int>(new CommandDefinition(
                    withBare is null ? CountSql : CountWithSql,
                    new { domain, username, lo = from, hi = to, withBare, withResource, cap = CountCap },
                    cancellationToken: cancellationToken));
                return counted < CountCap ? counted : null;
            }

            if (withBare is null && lo == long.MinValue && hi == long.MaxValue)
            {
                // The whole archive: the counter has it.
                count = await connection.ExecuteScalarAsync<int?>(new CommandDefinition(
                    TotalSql, new { domain, username }, cancellationToken: cancellationToken)) ?? 0;
            }
            else
            {
                count = await CountAsync(lo, hi);
            }

            // The index is what precedes the page, or the count less what follows its start. The side the client
            // is paging towards is walked first: a last page or a catch-up near the end costs a few entries.
            if (rows.Count > 0)
            {
                var first = rows[0].Seq;
                async ValueTask<int?> FromTheEndAsync()
                    => count is { } total && await CountAsync(first, hi) is { } fromFirst ? total - fromFirst : null;

                firstIndex = query.IsBackward
                    ? await FromTheEndAsync() ?? await CountAsync(lo, first - 1)
                    : await CountAsync(lo, first - 1) ?? await FromTheEndAsync();
            }
        }

        return new ArchivePage(ToMessages(rows, ids), complete, count, firstIndex);
    }

    public async ValueTask<ArchiveBounds?> GetBoundsAsync(Jid user, CancellationToken cancellationToken)
    {
        var (domain, username) = Key(user);
        await AppendsQueuedSoFarAsync(cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        var first = await connection.QuerySingleOrDefaultAsync<BoundRow>(new CommandDefinition(
            FirstSql, new { domain, username }, cancellationToken: cancellationToken));
        var last = await connection.QuerySingleOrDefaultAsync<BoundRow>(new CommandDefinition(
            LastSql, new { domain, username }, cancellationToken: cancellationToken));
        if (first is null || last is null)
        {
            return null;
        }

        var ids = Ids();
        return new ArchiveBounds(ids.IdOf(first.Seq, first.Id), FromSeq(first.Seq), ids.IdOf(last.Seq, last.Id), FromSeq(last.Seq));
    }

    public async ValueTask<ArchivePreferences?> GetPreferencesAsync(Jid user, CancellationToken cancellationToken)
    {
        var (domain, username) = Key(user);
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<PreferencesRow>(new CommandDefinition(
            GetPreferencesSql, new { domain, username }, cancellationToken: cancellationToken));
        if (row is null)
        {
            return null;
        }

        var mode = row.DefaultMode switch
        {
            "never" => ArchiveDefault.Never,
            "roster" => ArchiveDefault.Roster,
            _ => ArchiveDefault.Always,
        };
        return new ArchivePreferences(mode, ParseJids(row.AlwaysJids), ParseJids(row.NeverJids));
    }

    public async ValueTask SetPreferencesAsync(Jid user, ArchivePreferences preferences, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(preferences);
        var (domain, username) = Key(user);
        var mode = preferences.Default switch
        {
            ArchiveDefault.Never => "never",
            ArchiveDefault.Roster => "roster",
            _ => "always",
        };
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            SetPreferencesSql,
            new { domain, username, mode, always = string.Join('\n', preferences.Always), never = string.Join('\n', preferences.Never) },
            cancellationToken: cancellationToken));
    }

    public async ValueTask<int> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var seq = ToSeq(cutoff);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(
            System.Data.IsolationLevel.Serializable, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            UncountOlderSql, new { cutoff = seq }, transaction, cancellationToken: cancellationToken));
        var removed = await connection.ExecuteAsync(new CommandDefinition(
            DeleteOlderSql, new { cutoff = seq }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return removed;
    }

    public async ValueTask DeleteUserAsync(Jid user, CancellationToken cancellationToken)
    {
        var (domain, username) = Key(user);

        // An append still queued would otherwise commit after the delete and outlive the account's archive.
        await AppendsQueuedSoFarAsync(cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            DeleteUserMessagesSql, new { domain, username }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            DeleteUserCountSql, new { domain, username }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            DeleteUserPreferencesSql, new { domain, username }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Waits until every append queued before this call has committed (or failed), so a read sees them all. The module
    /// delivers a message with its stanza-id while the entry commits, and a client that gets it and queries the archive
    /// at once (a catch-up after that id, XEP-0313 §4.1.3) must find it rather than get item-not-found or miss it.
    /// </summary>
    private async ValueTask AppendsQueuedSoFarAsync(CancellationToken cancellationToken)
    {
        var last = Volatile.Read(ref _lastAppend);
        if (!last.IsCompleted)
        {
            // A failed append is its writer's to report; the read goes on with what did commit.
            await last.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>XEP-0313 'ids': the named messages that also pass the other filters, paged like any result set.</summary>
    private static async ValueTask<ArchivePage?> QueryByIdsAsync(
        System.Data.Common.DbConnection connection,
        ArchiveIdCodec codec,
        string domain,
        string username,
        IReadOnlyList<string> ids,
        ArchiveQuery query,
        long lo,
        long hi,
        long pageLo,
        long pageHi,
        CancellationToken cancellationToken)
    {
        var distinct = ids.Distinct(StringComparer.Ordinal).ToList();
        var seqs = new List<long>(distinct.Count);
        var legacy = new List<string>();
        foreach (var id in distinct)
        {
            if (codec.TryDecode(id, out var seq))
            {
                seqs.Add(seq);
            }
            else
            {
                legacy.Add(id);
            }
        }

        var found = new List<IdRow>(distinct.Count);
        foreach (var batch in seqs.Chunk(IdBatchSize))
        {
            found.AddRange(await connection.QueryAsync<IdRow>(new CommandDefinition(
                BySeqsSql, new { domain, username, seqs = batch }, cancellationToken: cancellationToken)));
        }

        foreach (var batch in legacy.Chunk(IdBatchSize))
        {
            found.AddRange(await connection.QueryAsync<IdRow>(new CommandDefinition(
                ByLegacyIdsSql, new { domain, username, ids = batch }, cancellationToken: cancellationToken)));
        }

        // XEP-0313 §4.1.3: any id not in the archive makes the whole query item-not-found.
        if (found.Count != distinct.Count)
        {
            return null;
        }

        var withBare = query.With?.Bare.ToString();
        var matching = found
            .Where(r => r.Seq >= lo && r.Seq <= hi)
            .Where(r => withBare is null || (r.WithBare == withBare && (query.With!.Resource is null || r.WithResource == query.With.Resource)))
            .OrderBy(r => r.Seq)
            .ToList();
        var candidates = matching.Where(r => r.Seq >= pageLo && r.Seq <= pageHi).ToList();
        var page = query.IsBackward ? candidates.TakeLast(query.Max).ToList() : candidates.Take(query.Max).ToList();
        var complete = page.Count == candidates.Count;
        var rows = page.Select(r => new PageRow { Seq = r.Seq, Id = r.Id, Stanza = r.Stanza }).ToList();
        int? firstIndex = query.IncludeCount && rows.Count > 0 ? matching.FindIndex(r => r.Seq == rows[0].Seq) : null;
        return new ArchivePage(ToMessages(rows, codec), complete, query.IncludeCount ? matching.Count : null, firstIndex);
    }

    private static List<ArchivedMessage> ToMessages(List<PageRow> rows, ArchiveIdCodec ids)
    {
        var messages = new List<ArchivedMessage>(rows.Count);
        foreach (var row in rows)
        {
            // A row that no longer parses is skipped rather than failing the whole page; it stays stored, so a fixed
            // parser could still serve it.
            if (OfflineStanzaSerializer.Deserialize(row.Stanza) is { } stanza)
            {
                messages.Add(new ArchivedMessage(ids.IdOf(row.Seq, row.Id), FromSeq(row.Seq), stanza));
            }
        }

        return messages;
    }

    private static List<Jid> ParseJids(string text)
    {
        var jids = new List<Jid>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (Jid.TryParse(line, out var jid))
            {
                jids.Add(jid);
            }
        }

        return jids;
    }

    /// <summary>
    /// One message appended to an archive, committed together with the other writes queued beside it. The writer
    /// runs writes one at a time in queue order (seq order), so the counter sees every append before it.
    /// </summary>
    private sealed class AppendWrite(long seq, string domain, string username, ArchiveEntry entry, string stanza) : SqliteWrite<bool>
    {
        protected override bool Run(SqliteWriteContext context)
        {
            var insert = context.Statement(InsertSql);
            insert.Bind("@seq", seq);
            insert.Bind("@domain", domain);
            insert.Bind("@username", username);
            insert.Bind("@withBare", entry.Peer.Bare.ToString());
            insert.Bind("@withResource", entry.Peer.Resource);
            insert.Bind("@stanza", stanza);
            insert.Execute();

            var count = context.Statement(IncrementCountSql);
            count.Bind("@domain", domain);
            count.Bind("@username", username);
            count.Execute();
            return true;
        }
    }

    /// <summary>
    /// The id codec, and the seq counter, read on first use: the schema is migrated by then, and this process is the
    /// only one that appends. Synchronous like all of Microsoft.Data.Sqlite's I/O, once per process; a read only, so
    /// it never waits for a writer (WAL).
    /// </summary>
    private ArchiveIdCodec Ids()
    {
        if (Volatile.Read(ref _ids) is { } ids)
        {
            return ids;
        }

        lock (_appendGate)
        {
            if (_ids is null)
            {
                using var connection = database.Open();
                using var transaction = connection.BeginTransaction(System.Data.IsolationLevel.Serializable, deferred: true);
                var key = connection.ExecuteScalar<byte[]>(KeySql, transaction: transaction)!;
                _lastSeq = connection.ExecuteScalar<long?>(MaxSeqSql, transaction: transaction) ?? 0;
                transaction.Commit();
                Volatile.Write(ref _ids, new ArchiveIdCodec(key));
            }

            return _ids;
        }
    }

    /// <summary>Archive time as seq: microseconds since the Unix epoch.</summary>
    private static long ToSeq(DateTimeOffset stamp) => (stamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    private static DateTimeOffset FromSeq(long seq) => DateTimeOffset.UnixEpoch.AddTicks(seq * 10);

    private static (string Domain, string Username) Key(Jid user)
    {
        ArgumentNullException.ThrowIfNull(user);

        // An archive belongs to an account: the bare JID.
        if (user.Local is null)
        {
            throw new ArgumentException("An account JID needs a localpart.", nameof(user));
        }

        return (user.Domain, user.Local);
    }

    private sealed class PageRow
    {
        public long Seq { get; init; }

        public string Id { get; init; } = string.Empty;

        public string Stanza { get; init; } = string.Empty;
    }

    private sealed class IdRow
    {
        public long Seq { get; init; }

        public string Id { get; init; } = string.Empty;

        public string Stanza { get; init; } = string.Empty;

        public string WithBare { get; init; } = string.Empty;

        public string? WithResource { get; init; }
    }

    private sealed class BoundRow
    {
        public long Seq { get; init; }

        public string Id { get; init; } = string.Empty;
    }

    private sealed class PreferencesRow
    {
        public string DefaultMode { get; init; } = string.Empty;

        public string AlwaysJids { get; init; } = string.Empty;

        public string NeverJids { get; init; } = string.Empty;
    }
}
