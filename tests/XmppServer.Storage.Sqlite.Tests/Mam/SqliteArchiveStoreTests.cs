using Dapper;
using XmppServer.Modules.Mam;
using XmppServer.Protocol;
using XmppServer.Storage.Sqlite.Mam;

namespace XmppServer.Storage.Sqlite.Tests.Mam;

public sealed class SqliteArchiveStoreTests : IAsyncLifetime, IDisposable
{
    private static readonly Jid Juliet = Jid.Parse("juliet@capulet.lit");
    private static readonly Jid Romeo = Jid.Parse("romeo@montague.lit/orchard");
    private static readonly Jid Nurse = Jid.Parse("nurse@capulet.lit/kitchen");
    private static readonly DateTimeOffset Base = new(2024, 3, 9, 21, 0, 0, TimeSpan.Zero);

    private TempDatabase _db = null!;
    private SqliteArchiveStore _store = null!;
    private readonly Dictionary<string, string> _ids = [];

    public async Task InitializeAsync()
    {
        _db = await TempDatabase.CreateAsync();
        _store = new SqliteArchiveStore(_db.Database);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task Query_NoFilters_FirstPageInOrderWithCountAndIndex()
    {
        await FillAsync(10);

        var page = await QueryAsync(new ArchiveQuery { Max = 3 });

        Assert.Equal(["m0", "m1", "m2"], Ids(page));
        Assert.False(page.Complete);
        Assert.Equal(10, page.Count);
        Assert.Equal(0, page.FirstIndex);
        Assert.Equal("0", page.Messages[0].Stanza.ElementText("body", Namespaces.Client));
        Assert.Equal(Base, page.Messages[0].Stamp);
    }

    [Fact]
    public async Task Query_PageAfter_NextPageUntilComplete()
    {
        await FillAsync(5);

        var second = await QueryAsync(new ArchiveQuery { Max = 2, PageAfter = Id("m1") });
        var third = await QueryAsync(new ArchiveQuery { Max = 2, PageAfter = Id("m3") });

        Assert.Equal(["m2", "m3"], Ids(second));
        Assert.False(second.Complete);
        Assert.Equal(2, second.FirstIndex);
        Assert.Equal(["m4"], Ids(third));
        Assert.True(third.Complete);
        Assert.Equal(4, third.FirstIndex);
    }

    [Fact]
    public async Task Query_EmptyBefore_LastPageInChronologicalOrder()
    {
        await FillAsync(10);

        var page = await QueryAsync(new ArchiveQuery { Max = 3, PageBefore = string.Empty });

        Assert.Equal(["m7", "m8", "m9"], Ids(page));
        Assert.False(page.Complete);
        Assert.Equal(7, page.FirstIndex);
        Assert.Equal(10, page.Count);
    }

    [Fact]
    public async Task Query_PageBefore_PreviousPageAndCompleteAtTheStart()
    {
        await FillAsync(5);

        var previous = await QueryAsync(new ArchiveQuery { Max = 2, PageBefore = Id("m3") });
        var first = await QueryAsync(new ArchiveQuery { Max = 2, PageBefore = Id("m1") });

        Assert.Equal(["m1", "m2"], Ids(previous));
        Assert.False(previous.Complete);
        Assert.Equal(["m0"], Ids(first));
        Assert.True(first.Complete);
    }

    [Fact]
    public async Task Query_WithBareJid_MatchesEveryResourceOfThePeer()
    {
        await FillAsync(6);

        var page = await QueryAsync(new ArchiveQuery { With = Romeo.Bare });

        Assert.Equal(["m0", "m2", "m4"], Ids(page));
        Assert.Equal(3, page.Count);
        Assert.True(page.Complete);
    }

    [Fact]
    public async Task Query_WithFullJid_MatchesThatResourceOnly()
    {
        await AppendAsync("a", Romeo, Base);
        await AppendAsync("b", Romeo.Bare.WithResource("balcony"), Base.AddSeconds(1));

        var page = await QueryAsync(new ArchiveQuery { With = Romeo });

        Assert.Equal(["a"], Ids(page));
    }

    [Fact]
    public async Task Query_StartAndEnd_InclusiveTimeRange()
    {
        await FillAsync(10);

        var page = await QueryAsync(new ArchiveQuery { Start = Base.AddSeconds(3), End = Base.AddSeconds(5) });

        Assert.Equal(["m3", "m4", "m5"], Ids(page));
        Assert.Equal(3, page.Count);
    }

    [Fact]
    public async Task Query_AfterIdAndBeforeId_ExclusiveRangeDefinesTheSet()
    {
        await FillAsync(10);

        var page = await QueryAsync(new ArchiveQuery { AfterId = Id("m2"), BeforeId = Id("m6"), Max = 2 });

        Assert.Equal(["m3", "m4"], Ids(page));
        Assert.Equal(3, page.Count);
        Assert.Equal(0, page.FirstIndex);
    }

    [Fact]
    public async Task Query_Ids_ReturnsThoseInArchiveOrder()
    {
        await FillAsync(10);

        var page = await QueryAsync(new ArchiveQuery { Ids = [Id("m7"), Id("m2")] });

        Assert.Equal(["m2", "m7"], Ids(page));
        Assert.True(page.Complete);
        Assert.Equal(2, page.Count);
    }

    [Theory]
    [InlineData("after-id")]
    [InlineData("before-id")]
    [InlineData("ids")]
    [InlineData("rsm-after")]
    [InlineData("rsm-before")]
    public async Task Query_UnknownId_Null(string where)
    {
        await FillAsync(3);
        var query = where switch
        {
            "after-id" => new ArchiveQuery { AfterId = "nope" },
            "before-id" => new ArchiveQuery { BeforeId = "nope" },
            "ids" => new ArchiveQuery { Ids = [Id("m1"), "nope"] },
            "rsm-after" => new ArchiveQuery { PageAfter = "nope" },
            _ => new ArchiveQuery { PageBefore = "nope" },
        };

        Assert.Null(await _store.QueryAsync(Juliet, query, default));
    }

    [Fact]
    public async Task Append_IdKnownAtOnce_NamesTheEntryAndSurvivesANewStore()
    {
        var append = _store.Append(Juliet, new ArchiveEntry(Romeo, Base, Message("hi")), default);
        await append.Committed;
        await AppendAsync("next", Romeo, Base.AddSeconds(1));

        using var reopened = new SqliteArchiveStore(_db.Database);
        var page = await reopened.QueryAsync(Juliet, new ArchiveQuery { Ids = [append.Id] }, default);

        Assert.Equal(ArchiveIdCodec.IdLength, append.Id.Length);
        Assert.NotEqual(append.Id, Id("next"));
        Assert.Equal([append.Id], page!.Messages.Select(m => m.Id));
        Assert.Equal(Id("next"), (await reopened.QueryAsync(Juliet, new ArchiveQuery { AfterId = append.Id }, default))!.Messages.Single().Id);
    }

    [Fact]
    public async Task Query_RightAfterAnAppendThatCannotCommitYet_WaitsForIt_AndFindsItById()
    {
        // The module hands out the id (a stanza-id) before the entry commits; a client that queries by it at once
        // must find it. Another connection holds the write lock, so the append stays queued until it lets go.
        await AppendAsync("before", Romeo, Base);
        await using var holder = await _db.Database.OpenAsync(default);
        await holder.ExecuteAsync("BEGIN IMMEDIATE;");

        var append = _store.Append(Juliet, new ArchiveEntry(Romeo, Base.AddSeconds(1), Message("queued")), default);
        var byId = _store.QueryAsync(Juliet, new ArchiveQuery { Ids = [append.Id] }, default).AsTask();
        var after = _store.QueryAsync(Juliet, new ArchiveQuery { AfterId = Id("before") }, default).AsTask();
        var bounds = _store.GetBoundsAsync(Juliet, default).AsTask();
        await Task.Delay(200);
        Assert.False(append.Committed.IsCompleted);
        Assert.False(byId.IsCompleted);
        Assert.False(bounds.IsCompleted);

        await holder.ExecuteAsync("ROLLBACK;");

        await append.Committed;
        Assert.Equal([append.Id], (await byId)!.Messages.Select(m => m.Id));
        Assert.Equal([append.Id], (await after)!.Messages.Select(m => m.Id));
        Assert.Equal(append.Id, (await bounds)!.LastId);
    }

    [Fact]
    public async Task Query_Cancelled_WhileAnAppendCannotCommit_StopsWaiting()
    {
        await using var holder = await _db.Database.OpenAsync(default);
        await holder.ExecuteAsync("BEGIN IMMEDIATE;");
        var append = _store.Append(Juliet, new ArchiveEntry(Romeo, Base, Message("queued")), default);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.QueryAsync(Juliet, new ArchiveQuery(), cancel.Token).AsTask());

        await holder.ExecuteAsync("ROLLBACK;");
        await append.Committed;
    }

    [Fact]
    public async Task Append_AfterANewStoreWithTheClockBehind_StaysLast()
    {
        await AppendAsync("first", Romeo, Base.AddMinutes(5));
        _store.Dispose();
        _store = new SqliteArchiveStore(_db.Database);

        await AppendAsync("second", Romeo, Base);

        Assert.Equal(["first", "second"], Ids(await QueryAsync(new ArchiveQuery())));
    }

    [Fact]
    public async Task Append_NewRows_StoreNoIdOfTheirOwn()
    {
        // The ids are made from seq: appends add nothing to the index of stored (older, random) ids.
        await FillAsync(5);
        await using var connection = await _db.Database.OpenAsync(default);

        var stored = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM archive_messages INDEXED BY archive_messages_legacy_id WHERE id <> '';");

        Assert.Equal(0, stored);
        Assert.Equal(5, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM archive_messages WHERE id = '';"));
    }

    [Fact]
    public async Task Query_RowsWithRandomIdsFromBefore_FoundByThoseIdsBesideNewOnes()
    {
        // Rows archived before ids were made from seq keep the random id they were given, and clients may hold it.
        await using (var connection = await _db.Database.OpenAsync(default))
        {
            await connection.ExecuteAsync(
                "INSERT INTO archive_messages (seq, domain, username, id, with_bare, with_resource, stanza) "
                + "VALUES (@seq, 'capulet.lit', 'juliet', 'Ab3-_xYz09QwErTy', 'romeo@montague.lit', 'orchard', @stanza);",
                new { seq = (Base.AddSeconds(-10).ToUnixTimeMilliseconds() * 1000), stanza = Message("old").ToString() });
        }

        await FillAsync(3);
        const string old = "Ab3-_xYz09QwErTy";

        var all = await QueryAsync(new ArchiveQuery());
        var after = await QueryAsync(new ArchiveQuery { AfterId = old });
        var named = await QueryAsync(new ArchiveQuery { Ids = [Id("m1"), old] });
        var bounds = await _store.GetBoundsAsync(Juliet, default);

        Assert.Equal([old, "m0", "m1", "m2"], Ids(all));
        Assert.Equal(["m0", "m1", "m2"], Ids(after));
        Assert.Equal([old, "m1"], Ids(named));
        Assert.Equal(old, bounds!.FirstId);
        Assert.Equal(Id("m0"), (await QueryAsync(new ArchiveQuery { Max = 1, PageAfter = old })).Messages.Single().Id);
    }

    [Theory]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("____________________-_")]
    [InlineData("m1")]
    public async Task Query_MadeUpId_Null(string id)
    {
        await FillAsync(3);

        Assert.Null(await _store.QueryAsync(Juliet, new ArchiveQuery { AfterId = id }, default));
        Assert.Null(await _store.QueryAsync(Juliet, new ArchiveQuery { Ids = [id] }, default));
    }

    [Fact]
    public async Task Query_IdOfAnotherUsersArchive_Null()
    {
        await FillAsync(3);

        Assert.Null(await _store.QueryAsync(Jid.Parse("tybalt@capulet.lit"), new ArchiveQuery { PageAfter = Id("m1") }, default));
    }

    [Fact]
    public async Task Query_MaxZero_CountOnly()
    {
        await FillAsync(4);

        var page = await QueryAsync(new ArchiveQuery { Max = 0 });

        Assert.Empty(page.Messages);
        Assert.Equal(4, page.Count);
        Assert.False(page.Complete);
    }

    [Fact]
    public async Task Query_EmptyArchive_EmptyCompletePage()
    {
        var page = await QueryAsync(new ArchiveQuery());

        Assert.Empty(page.Messages);
        Assert.True(page.Complete);
        Assert.Equal(0, page.Count);
        Assert.Null(page.FirstIndex);
    }

    [Fact]
    public async Task Append_ClockStepsBack_OrderStaysAppendOrder()
    {
        await AppendAsync("late", Romeo, Base.AddMinutes(5));
        await AppendAsync("early", Romeo, Base);

        var page = await QueryAsync(new ArchiveQuery());

        Assert.Equal(["late", "early"], Ids(page));
        Assert.True(page.Messages[1].Stamp > page.Messages[0].Stamp);
    }

    [Fact]
    public async Task Append_KeepsTheWholeStanza()
    {
        var message = Message("hi & bye");
        message.AddElement("active", "http://jabber.org/protocol/chatstates");
        await _store.Append(Juliet, new ArchiveEntry(Romeo, Base, message), default).Committed;

        var page = await QueryAsync(new ArchiveQuery());

        Assert.True(page.Messages[0].Stanza.DeepEquals(message), page.Messages[0].Stanza.ToString());
    }

    [Fact]
    public async Task GetBounds_FirstAndLast_NullWhenEmpty()
    {
        Assert.Null(await _store.GetBoundsAsync(Juliet, default));
        await FillAsync(3);

        var bounds = await _store.GetBoundsAsync(Juliet, default);

        Assert.NotNull(bounds);
        Assert.Equal(("m0", Base), (Name(bounds.FirstId), bounds.FirstStamp));
        Assert.Equal(("m2", Base.AddSeconds(2)), (Name(bounds.LastId), bounds.LastStamp));
    }

    [Fact]
    public async Task Preferences_SetThenGet_RoundTripsAndReplaces()
    {
        Assert.Null(await _store.GetPreferencesAsync(Juliet, default));
        await _store.SetPreferencesAsync(Juliet, new ArchivePreferences(ArchiveDefault.Roster, [Romeo.Bare], [Nurse]), default);
        await _store.SetPreferencesAsync(Juliet, new ArchivePreferences(ArchiveDefault.Never, [Romeo.Bare, Nurse.Bare], []), default);

        var preferences = await _store.GetPreferencesAsync(Juliet, default);

        Assert.NotNull(preferences);
        Assert.Equal(ArchiveDefault.Never, preferences.Default);
        Assert.Equal([Romeo.Bare, Nurse.Bare], preferences.Always);
        Assert.Empty(preferences.Never);
    }

    [Fact]
    public async Task DeleteOlderThan_RemovesOldestOnly()
    {
        await FillAsync(5);

        var removed = await _store.DeleteOlderThanAsync(Base.AddSeconds(2), default);

        Assert.Equal(2, removed);
        Assert.Equal(["m2", "m3", "m4"], Ids(await QueryAsync(new ArchiveQuery())));
    }

    [Fact]
    public async Task DeleteUser_RemovesArchiveAndPreferencesOfThatUserOnly()
    {
        await FillAsync(3);
        var tybalt = Jid.Parse("tybalt@capulet.lit");
        await _store.Append(tybalt, new ArchiveEntry(Romeo, Base, Message("x")), default).Committed;
        await _store.SetPreferencesAsync(Juliet, new ArchivePreferences(ArchiveDefault.Never, [], []), default);

        await _store.DeleteUserAsync(Juliet, default);

        Assert.Empty((await QueryAsync(new ArchiveQuery())).Messages);
        Assert.Null(await _store.GetPreferencesAsync(Juliet, default));
        Assert.Single((await _store.QueryAsync(tybalt, new ArchiveQuery(), default))!.Messages);
    }

    [Fact]
    public async Task Query_SetLargerThanTheCountCap_WholeArchiveCountFromTheCounter()
    {
        await FillAsync(8);
        using var store = new SqliteArchiveStore(_db.Database) { CountCap = 3 };

        var last = await store.QueryAsync(Juliet, new ArchiveQuery { Max = 2, PageBefore = string.Empty }, default);
        var middle = await store.QueryAsync(Juliet, new ArchiveQuery { Max = 2, PageAfter = Id("m2") }, default);
        var first = await store.QueryAsync(Juliet, new ArchiveQuery { Max = 2 }, default);

        Assert.Equal((8, 6), (last!.Count, last.FirstIndex));
        Assert.Equal((8, (int?)null), (middle!.Count, middle.FirstIndex));
        Assert.Equal((8, 0), (first!.Count, first.FirstIndex));
    }

    [Fact]
    public async Task Query_FilteredSetLargerThanTheCountCap_CountLeftOut()
    {
        await FillAsync(8);
        using var store = new SqliteArchiveStore(_db.Database) { CountCap = 3 };

        var page = await store.QueryAsync(Juliet, new ArchiveQuery { Max = 2, Start = Base.AddSeconds(1) }, default);

        Assert.Equal(["m1", "m2"], Ids(page!));
        Assert.Null(page!.Count);
        Assert.Equal(0, page.FirstIndex);
    }

    [Fact]
    public async Task Counter_FollowsRetentionAndDeletion()
    {
        await FillAsync(6);
        using var store = new SqliteArchiveStore(_db.Database) { CountCap = 2 };

        await store.DeleteOlderThanAsync(Base.AddSeconds(2), default);
        var afterRetention = await store.QueryAsync(Juliet, new ArchiveQuery { Max = 1 }, default);
        await store.DeleteUserAsync(Juliet, default);
        await FillAsync(3);
        var afterDeletion = await store.QueryAsync(Juliet, new ArchiveQuery { Max = 1 }, default);

        Assert.Equal(4, afterRetention!.Count);
        Assert.Equal(3, afterDeletion!.Count);
    }

    [Theory]
    [InlineData(SqliteArchiveStore.ForwardSql, "archive_messages_user")]
    [InlineData(SqliteArchiveStore.BackwardSql, "archive_messages_user")]
    [InlineData(SqliteArchiveStore.CountSql, "archive_messages_user")]
    [InlineData(SqliteArchiveStore.ForwardWithSql, "archive_messages_with")]
    [InlineData(SqliteArchiveStore.BackwardWithSql, "archive_messages_with")]
    [InlineData(SqliteArchiveStore.CountWithSql, "archive_messages_with")]
    public async Task QueryPlan_PageAndCount_SearchTheUserIndex(string sql, string index)
    {
        await using var connection = await _db.Database.OpenAsync(default);

        var plan = string.Join(" | ", (await connection.QueryAsync<(long Id, long Parent, long NotUsed, string Detail)>(
            "EXPLAIN QUERY PLAN " + sql,
            new { domain = "d", username = "u", lo = 0L, hi = 1L, withBare = "w", withResource = (string?)null, limit = 1, cap = 10 }))
            .Select(row => row.Detail));

        Assert.Contains("SEARCH archive_messages USING", plan);
        Assert.Contains(index, plan);
        Assert.DoesNotContain("TEMP B-TREE", plan);
    }

    private async Task FillAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            await AppendAsync("m" + i, i % 2 == 0 ? Romeo : Nurse, Base.AddSeconds(i), i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Appends to Juliet's archive and remembers the id the store gave the message under <paramref name="name"/>.</summary>
    private async Task AppendAsync(string name, Jid peer, DateTimeOffset stamp, string body = "text")
    {
        var append = _store.Append(Juliet, new ArchiveEntry(peer, stamp, Message(body)), default);
        _ids[name] = append.Id;
        await append.Committed;
    }

    /// <summary>The archive id of the message appended as <paramref name="name"/>; an unknown name as it is.</summary>
    private string Id(string name) => _ids.GetValueOrDefault(name, name);

    private string Name(string id) => _ids.FirstOrDefault(pair => pair.Value == id).Key ?? id;

    private async Task<ArchivePage> QueryAsync(ArchiveQuery query)
    {
        var page = await _store.QueryAsync(Juliet, query, default);
        Assert.NotNull(page);
        return page;
    }

    private string[] Ids(ArchivePage page) => page.Messages.Select(m => Name(m.Id)).ToArray();

    private static XmppElement Message(string body)
    {
        var message = new XmppElement("message", Namespaces.Client) { Type = "chat", From = Romeo.ToString(), To = Juliet.ToString() };
        message.AddElement("body").AddText(body);
        return message;
    }
}
