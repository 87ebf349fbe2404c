using Dapper;
using XmppServer.Modules.Mam;
using XmppServer.Protocol;
using XmppServer.Storage.Sqlite.Mam;

namespace XmppServer.Storage.Sqlite.Tests.Mam;

public sealed class SqliteArchiveStoreTests : IAsyncLifetime
{
    private static readonly Jid Juliet = Jid.Parse("juliet@capulet.lit");
    private static readonly Jid Romeo = Jid.Parse("romeo@montague.lit/orchard");
    private static readonly Jid Nurse = Jid.Parse("nurse@capulet.lit/kitchen");
    private static readonly DateTimeOffset Base = new(2024, 3, 9, 21, 0, 0, TimeSpan.Zero);

    private TempDatabase _db = null!;
    private SqliteArchiveStore _store = null!;

    public async Task InitializeAsync()
    {
        _db = await TempDatabase.CreateAsync();
        _store = new SqliteArchiveStore(_db.Database);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

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

        var second = await QueryAsync(new ArchiveQuery { Max = 2, PageAfter = "m1" });
        var third = await QueryAsync(new ArchiveQuery { Max = 2, PageAfter = "m3" });

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

        var previous = await QueryAsync(new ArchiveQuery { Max = 2, PageBefore = "m3" });
        var first = await QueryAsync(new ArchiveQuery { Max = 2, PageBefore = "m1" });

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

        var page = await QueryAsync(new ArchiveQuery { AfterId = "m2", BeforeId = "m6", Max = 2 });

        Assert.Equal(["m3", "m4"], Ids(page));
        Assert.Equal(3, page.Count);
        Assert.Equal(0, page.FirstIndex);
    }

    [Fact]
    public async Task Query_Ids_ReturnsThoseInArchiveOrder()
    {
        await FillAsync(10);

        var page = await QueryAsync(new ArchiveQuery { Ids = ["m7", "m2"] });

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
            "ids" => new ArchiveQuery { Ids = ["m1", "nope"] },
            "rsm-after" => new ArchiveQuery { PageAfter = "nope" },
            _ => new ArchiveQuery { PageBefore = "nope" },
        };

        Assert.Null(await _store.QueryAsync(Juliet, query, default));
    }

    [Fact]
    public async Task Query_IdOfAnotherUsersArchive_Null()
    {
        await FillAsync(3);

        Assert.Null(await _store.QueryAsync(Jid.Parse("tybalt@capulet.lit"), new ArchiveQuery { PageAfter = "m1" }, default));
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
        await _store.AppendAsync(Juliet, new ArchiveEntry("x", Romeo, Base, message), default);

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
        Assert.Equal(("m0", Base), (bounds.FirstId, bounds.FirstStamp));
        Assert.Equal(("m2", Base.AddSeconds(2)), (bounds.LastId, bounds.LastStamp));
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
        await _store.AppendAsync(tybalt, new ArchiveEntry("t1", Romeo, Base, Message("x")), default);
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
        var store = new SqliteArchiveStore(_db.Database) { CountCap = 3 };

        var last = await store.QueryAsync(Juliet, new ArchiveQuery { Max = 2, PageBefore = string.Empty }, default);
        var middle = await store.QueryAsync(Juliet, new ArchiveQuery { Max = 2, PageAfter = "m2" }, default);
        var first = await store.QueryAsync(Juliet, new ArchiveQuery { Max = 2 }, default);

        Assert.Equal((8, 6), (last!.Count, last.FirstIndex));
        Assert.Equal((8, (int?)null), (middle!.Count, middle.FirstIndex));
        Assert.Equal((8, 0), (first!.Count, first.FirstIndex));
    }

    [Fact]
    public async Task Query_FilteredSetLargerThanTheCountCap_CountLeftOut()
    {
        await FillAsync(8);
        var store = new SqliteArchiveStore(_db.Database) { CountCap = 3 };

        var page = await store.QueryAsync(Juliet, new ArchiveQuery { Max = 2, Start = Base.AddSeconds(1) }, default);

        Assert.Equal(["m1", "m2"], Ids(page!));
        Assert.Null(page!.Count);
        Assert.Equal(0, page.FirstIndex);
    }

    [Fact]
    public async Task Counter_FollowsRetentionAndDeletion()
    {
        await FillAsync(6);
        var store = new SqliteArchiveStore(_db.Database) { CountCap = 2 };

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

    private Task AppendAsync(string id, Jid peer, DateTimeOffset stamp, string body = "text")
        => _store.AppendAsync(Juliet, new ArchiveEntry(id, peer, stamp, Message(body)), default).AsTask();

    private async Task<ArchivePage> QueryAsync(ArchiveQuery query)
    {
        var page = await _store.QueryAsync(Juliet, query, default);
        Assert.NotNull(page);
        return page;
    }

    private static string[] Ids(ArchivePage page) => page.Messages.Select(m => m.Id).ToArray();

    private static XmppElement Message(string body)
    {
        var message = new XmppElement("message", Namespaces.Client) { Type = "chat", From = Romeo.ToString(), To = Juliet.ToString() };
        message.AddElement("body").AddText(body);
        return message;
    }
}
