using Microsoft.Data.Sqlite;
using XmppServer.Modules.Offline;
using XmppServer.Protocol;
using XmppServer.Storage.Sqlite.Offline;

namespace XmppServer.Storage.Sqlite.Tests.Offline;

public sealed class SqliteOfflineStoreTests : IAsyncLifetime
{
    private static readonly Jid Juliet = Jid.Parse("juliet@capulet.lit");
    private static readonly Jid Romeo = Jid.Parse("romeo@montague.lit");
    private static readonly DateTimeOffset Stamp = new(2024, 3, 9, 21, 15, 30, 125, TimeSpan.Zero);

    private TempDatabase _db = null!;
    private SqliteOfflineStore _store = null!;

    public async Task InitializeAsync()
    {
        _db = await TempDatabase.CreateAsync();
        _store = new SqliteOfflineStore(_db.Database);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task Store_UnderLimit_StoredAndCounted()
    {
        Assert.Equal(OfflineStoreResult.Stored, await _store.StoreAsync(Juliet, Message("1"), Stamp, 10, default));
        Assert.Equal(OfflineStoreResult.Stored, await _store.StoreAsync(Juliet, Message("2"), Stamp, 10, default));

        Assert.Equal(2, await _store.CountAsync(Juliet, default));
        Assert.Equal(0, await _store.CountAsync(Romeo, default));
    }

    [Fact]
    public async Task Store_AtLimit_FullAndNothingInserted()
    {
        await _store.StoreAsync(Juliet, Message("1"), Stamp, 2, default);
        await _store.StoreAsync(Juliet, Message("2"), Stamp, 2, default);

        var result = await _store.StoreAsync(Juliet, Message("3"), Stamp, 2, default);

        Assert.Equal(OfflineStoreResult.Full, result);
        Assert.Equal(2, await _store.CountAsync(Juliet, default));
    }

    [Fact]
    public async Task Store_LimitIsPerUser_OtherUserUnaffected()
    {
        await _store.StoreAsync(Juliet, Message("1"), Stamp, 1, default);

        Assert.Equal(OfflineStoreResult.Stored, await _store.StoreAsync(Romeo, Message("2"), Stamp, 1, default));
    }

    [Fact]
    public async Task Store_ConcurrentSenders_NeverExceedLimit()
    {
        const int Limit = 10;
        var stores = Enumerable.Range(0, 40)
            .Select(i => Task.Run(async () => await _store.StoreAsync(Juliet, Message(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), Stamp, Limit, default)))
            .ToArray();

        var results = await Task.WhenAll(stores);

        Assert.Equal(Limit, results.Count(r => r == OfflineStoreResult.Stored));
        Assert.Equal(30, results.Count(r => r == OfflineStoreResult.Full));
        Assert.Equal(Limit, await _store.CountAsync(Juliet, default));
    }

    [Fact]
    public async Task Store_Returned_DurableInNewDatabaseInstance()
    {
        await _store.StoreAsync(Juliet, Message("kept"), Stamp, 10, default);

        // Drop the database's pooled connections, as a restarted process would have none.
        await using (var connection = await _db.Database.OpenAsync(default))
        {
            SqliteConnection.ClearPool(connection);
        }

        var reopened = new SqliteOfflineStore(new SqliteDatabase(_db.Database.Path));

        Assert.Equal(1, await reopened.CountAsync(Juliet, default));
        var message = Assert.Single(await reopened.LoadAsync(Juliet, default));
        Assert.Equal("kept", message.Stanza.ElementText("body", Namespaces.Client));
    }

    [Fact]
    public async Task Store_KeyedByBareJid_ResourceIgnored()
    {
        await _store.StoreAsync(Jid.Parse("juliet@capulet.lit/balcony"), Message("1"), Stamp, 10, default);

        Assert.Equal(1, await _store.CountAsync(Juliet, default));
    }

    [Fact]
    public async Task Store_DomainJid_Throws()
    {
        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await _store.StoreAsync(Jid.Parse("capulet.lit"), Message("1"), Stamp, 10, default));
    }

    [Fact]
    public async Task Load_ArrivalOrderWithStampsAndDistinctIds()
    {
        await _store.StoreAsync(Juliet, Message("first"), Stamp, 10, default);
        await _store.StoreAsync(Romeo, Message("other"), Stamp, 10, default);
        await _store.StoreAsync(Juliet, Message("second"), Stamp.AddSeconds(3), 10, default);

        var messages = await _store.LoadAsync(Juliet, default);

        Assert.Equal(["first", "second"], messages.Select(m => m.Stanza.ElementText("body", Namespaces.Client)));
        Assert.Equal([Stamp, Stamp.AddSeconds(3)], messages.Select(m => m.Stamp));
        Assert.True(messages[0].Id < messages[1].Id);
    }

    [Fact]
    public async Task Load_StanzaRoundTrips()
    {
        var message = Message("<&> 'quoted' \"double\" \u00e9\U0001F600");
        message.Id = "m-1";
        message.AddElement("encrypted", "urn:xmpp:omemo:2").SetAttribute("sid", "1").AddElement("payload").AddText("AAEC");
        message.AddElement("thread").AddText("t1");
        await _store.StoreAsync(Juliet, message, Stamp, 10, default);

        var loaded = Assert.Single(await _store.LoadAsync(Juliet, default)).Stanza;

        Assert.True(loaded.DeepEquals(message), loaded.ToString());
    }

    [Fact]
    public async Task Load_NoMessages_Empty()
    {
        Assert.Empty(await _store.LoadAsync(Juliet, default));
    }

    [Fact]
    public async Task Remove_GivenIds_OnlyThoseRemoved()
    {
        await _store.StoreAsync(Juliet, Message("1"), Stamp, 10, default);
        await _store.StoreAsync(Juliet, Message("2"), Stamp, 10, default);
        await _store.StoreAsync(Juliet, Message("3"), Stamp, 10, default);
        var ids = (await _store.LoadAsync(Juliet, default)).Select(m => m.Id).ToList();

        await _store.RemoveAsync(Juliet, [ids[0], ids[2]], default);

        var left = Assert.Single(await _store.LoadAsync(Juliet, default));
        Assert.Equal(ids[1], left.Id);
    }

    [Fact]
    public async Task Remove_IdsOfAnotherUser_Ignored()
    {
        await _store.StoreAsync(Romeo, Message("romeo's"), Stamp, 10, default);
        var romeoIds = (await _store.LoadAsync(Romeo, default)).Select(m => m.Id).ToList();

        await _store.RemoveAsync(Juliet, romeoIds, default);

        Assert.Equal(1, await _store.CountAsync(Romeo, default));
    }

    [Fact]
    public async Task Remove_MoreIdsThanOneBatch_AllRemoved()
    {
        for (var i = 0; i < 600; i++)
        {
            await _store.StoreAsync(Juliet, Message("m"), Stamp, 1000, default);
        }

        var ids = (await _store.LoadAsync(Juliet, default)).Select(m => m.Id).ToList();

        await _store.RemoveAsync(Juliet, ids.Take(550).ToList(), default);

        Assert.Equal(50, await _store.CountAsync(Juliet, default));
    }

    [Fact]
    public async Task Remove_NoIds_NothingHappens()
    {
        await _store.StoreAsync(Juliet, Message("1"), Stamp, 10, default);

        await _store.RemoveAsync(Juliet, [], default);

        Assert.Equal(1, await _store.CountAsync(Juliet, default));
    }

    [Fact]
    public async Task DeleteAll_RemovesOnlyThatUsersMessages()
    {
        await _store.StoreAsync(Juliet, Message("1"), Stamp, 10, default);
        await _store.StoreAsync(Juliet, Message("2"), Stamp, 10, default);
        await _store.StoreAsync(Romeo, Message("3"), Stamp, 10, default);

        await _store.DeleteAllAsync(Juliet, default);

        Assert.Equal(0, await _store.CountAsync(Juliet, default));
        Assert.Equal(1, await _store.CountAsync(Romeo, default));
    }

    [Fact]
    public async Task Store_AfterRemoval_IdsKeepGrowing()
    {
        await _store.StoreAsync(Juliet, Message("1"), Stamp, 10, default);
        var first = Assert.Single(await _store.LoadAsync(Juliet, default)).Id;
        await _store.RemoveAsync(Juliet, [first], default);

        await _store.StoreAsync(Juliet, Message("2"), Stamp, 10, default);

        Assert.True(Assert.Single(await _store.LoadAsync(Juliet, default)).Id > first);
    }

    private static XmppElement Message(string body)
    {
        var message = new XmppElement("message", Namespaces.Client)
        {
            From = "romeo@montague.lit/orchard",
            To = "juliet@capulet.lit",
            Type = "chat",
        };
        message.AddElement("body").AddText(body);
        return message;
    }
}
