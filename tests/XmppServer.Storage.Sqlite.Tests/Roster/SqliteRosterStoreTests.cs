using XmppServer.Modules.Roster;
using XmppServer.Protocol;
using XmppServer.Storage.Sqlite.Roster;

namespace XmppServer.Storage.Sqlite.Tests.Roster;

public sealed class SqliteRosterStoreTests : IAsyncLifetime
{
    private static readonly Jid Juliet = Jid.Parse("juliet@example.com");
    private static readonly Jid Romeo = Jid.Parse("romeo@example.net");
    private static readonly Jid Nurse = Jid.Parse("nurse@example.com");

    private TempDatabase _database = null!;
    private SqliteRosterStore _store = null!;

    public async Task InitializeAsync()
    {
        _database = await TempDatabase.CreateAsync();
        _store = new SqliteRosterStore(_database.Database);
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task GetRoster_NewUser_EmptyAtVersionZero()
    {
        var roster = await _store.GetRosterAsync(Juliet, CancellationToken.None);

        Assert.Empty(roster.Items);
        Assert.Equal("0", roster.Version);
    }

    [Fact]
    public async Task Update_AddItem_StoresNameGroupsAndStateAndBumpsVersion()
    {
        var item = new RosterItem(Romeo, "Romeo", ["Friends", "Lovers"], RosterSubscription.From, Ask: true, Approved: false);

        var update = await SetItemAsync(item);

        Assert.True(update.ItemChanged);
        Assert.False(update.LimitReached);
        Assert.Null(update.Before.Item);
        Assert.Equal("1", update.Version);
        var roster = await _store.GetRosterAsync(Juliet, CancellationToken.None);
        Assert.Equal("1", roster.Version);
        var stored = Assert.Single(roster.Items);
        Assert.Equal(item, stored);
        Assert.Equal(["Friends", "Lovers"], stored.Groups);
    }

    [Fact]
    public async Task Update_GroupOrder_IsKept()
    {
        await SetItemAsync(RosterItem.Create(Romeo) with { Groups = ["Zeta", "Alpha", "Mu"] });

        var entry = await _store.GetEntryAsync(Juliet, Romeo, CancellationToken.None);

        Assert.Equal(["Zeta", "Alpha", "Mu"], entry.Item!.Groups);
    }

    [Fact]
    public async Task Update_ChangeGroupsAndName_ReplacesThem()
    {
        await SetItemAsync(new RosterItem(Romeo, "R", ["A", "B"], RosterSubscription.Both, false, false));

        var update = await SetItemAsync(new RosterItem(Romeo, null, ["C"], RosterSubscription.Both, false, false));

        Assert.Equal("2", update.Version);
        var entry = await _store.GetEntryAsync(Juliet, Romeo, CancellationToken.None);
        Assert.Null(entry.Item!.Name);
        Assert.Equal(["C"], entry.Item.Groups);
        Assert.Equal(RosterSubscription.Both, entry.Item.Subscription);
    }

    [Fact]
    public async Task Update_NoChange_KeepsVersion()
    {
        var item = RosterItem.Create(Romeo) with { Name = "Romeo" };
        await SetItemAsync(item);

        var update = await SetItemAsync(item);

        Assert.False(update.ItemChanged);
        Assert.Equal("1", update.Version);
    }

    [Theory]
    [InlineData(RosterSubscription.None, false, false)]
    [InlineData(RosterSubscription.To, false, true)]
    [InlineData(RosterSubscription.From, true, false)]
    [InlineData(RosterSubscription.Both, true, true)]
    public async Task Update_SubscriptionFlags_RoundTrip(RosterSubscription subscription, bool ask, bool approved)
    {
        var item = new RosterItem(Romeo, null, [], subscription, ask, approved);
        await SetItemAsync(item);

        var entry = await _store.GetEntryAsync(Juliet, Romeo, CancellationToken.None);

        Assert.Equal(item, entry.Item);
    }

    [Fact]
    public async Task Update_RemoveItem_DeletesItemAndGroupsAndBumpsVersion()
    {
        await SetItemAsync(RosterItem.Create(Romeo) with { Groups = ["Friends"] });

        var update = await _store.UpdateAsync(Juliet, Romeo, static e => e with { Item = null }, 100, CancellationToken.None);

        Assert.True(update.ItemChanged);
        Assert.Equal("2", update.Version);
        Assert.NotNull(update.Before.Item);
        var roster = await _store.GetRosterAsync(Juliet, CancellationToken.None);
        Assert.Empty(roster.Items);
        Assert.Equal("2", roster.Version);

        // The groups went with the item: adding it again starts with none.
        await SetItemAsync(RosterItem.Create(Romeo));
        Assert.Empty((await _store.GetEntryAsync(Juliet, Romeo, CancellationToken.None)).Item!.Groups);
    }

    [Fact]
    public async Task Update_PendingIn_IsNotARosterItemAndKeepsVersion()
    {
        var update = await _store.UpdateAsync(
            Juliet, Romeo, static e => e with { PendingIn = new PendingSubscription(Romeo, "Hi, it's me") }, 100, CancellationToken.None);

        Assert.False(update.ItemChanged);
        Assert.Equal("0", update.Version);
        Assert.Empty((await _store.GetRosterAsync(Juliet, CancellationToken.None)).Items);
        var entry = await _store.GetEntryAsync(Juliet, Romeo, CancellationToken.None);
        Assert.Null(entry.Item);
        Assert.Equal(new PendingSubscription(Romeo, "Hi, it's me"), entry.PendingIn);
        var pending = Assert.Single(await _store.GetPendingSubscriptionsAsync(Juliet, CancellationToken.None));
        Assert.Equal(Romeo, pending.Contact);
        Assert.Equal("Hi, it's me", pending.Status);
    }

    [Fact]
    public async Task Update_PendingInWithoutStatus_RoundTripsNull()
    {
        await _store.UpdateAsync(Juliet, Romeo, static e => e with { PendingIn = new PendingSubscription(Romeo, null) }, 100, CancellationToken.None);

        var entry = await _store.GetEntryAsync(Juliet, Romeo, CancellationToken.None);

        Assert.Equal(new PendingSubscription(Romeo, null), entry.PendingIn);
    }

    [Fact]
    public async Task Update_ClearPendingIn_RemovesRequest()
    {
        await _store.UpdateAsync(Juliet, Romeo, static e => e with { PendingIn = new PendingSubscription(Romeo, null) }, 100, CancellationToken.None);

        await _store.UpdateAsync(Juliet, Romeo, static e => e with { PendingIn = null }, 100, CancellationToken.None);

        Assert.Empty(await _store.GetPendingSubscriptionsAsync(Juliet, CancellationToken.None));
    }

    [Fact]
    public async Task Update_ItemAndPendingTogether_BothStored()
    {
        await _store.UpdateAsync(
            Juliet,
            Romeo,
            static e => new RosterEntry(RosterItem.Create(Romeo) with { Subscription = RosterSubscription.To }, new PendingSubscription(Romeo, null)),
            100,
            CancellationToken.None);

        var entry = await _store.GetEntryAsync(Juliet, Romeo, CancellationToken.None);

        Assert.Equal(RosterSubscription.To, entry.Item!.Subscription);
        Assert.NotNull(entry.PendingIn);
    }

    [Fact]
    public async Task Update_ChangeSeesCurrentEntry()
    {
        await SetItemAsync(RosterItem.Create(Romeo) with { Name = "first" });
        RosterEntry? seen = null;

        await _store.UpdateAsync(Juliet, Romeo, e => seen = e, 100, CancellationToken.None);

        Assert.Equal("first", seen!.Item!.Name);
    }

    [Fact]
    public async Task Update_NewItemBeyondLimit_RefusedAndNothingStored()
    {
        await SetItemAsync(RosterItem.Create(Romeo), limit: 1);

        var update = await _store.UpdateAsync(Juliet, Nurse, static e => e with { Item = RosterItem.Create(Nurse) }, 1, CancellationToken.None);

        Assert.True(update.LimitReached);
        Assert.Equal("1", update.Version);
        Assert.Single((await _store.GetRosterAsync(Juliet, CancellationToken.None)).Items);
    }

    [Fact]
    public async Task Update_ExistingItemAtLimit_CanStillChange()
    {
        await SetItemAsync(RosterItem.Create(Romeo), limit: 1);

        var update = await SetItemAsync(RosterItem.Create(Romeo) with { Name = "Romeo" }, limit: 1);

        Assert.False(update.LimitReached);
        Assert.True(update.ItemChanged);
    }

    [Fact]
    public async Task Update_PendingBeyondLimit_Refused()
    {
        await _store.UpdateAsync(Juliet, Romeo, static e => e with { PendingIn = new PendingSubscription(Romeo, null) }, 1, CancellationToken.None);

        var update = await _store.UpdateAsync(Juliet, Nurse, static e => e with { PendingIn = new PendingSubscription(Nurse, null) }, 1, CancellationToken.None);

        Assert.True(update.LimitReached);
        Assert.Single(await _store.GetPendingSubscriptionsAsync(Juliet, CancellationToken.None));
    }

    [Fact]
    public async Task Update_ChangeOfContactJid_Throws()
    {
        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await _store.UpdateAsync(Juliet, Romeo, static e => e with { Item = RosterItem.Create(Nurse) }, 100, CancellationToken.None));

        Assert.Empty((await _store.GetRosterAsync(Juliet, CancellationToken.None)).Items);
    }

    [Fact]
    public async Task Rosters_OfDifferentUsers_AreSeparate()
    {
        var nurseRoster = Jid.Parse("nurse@example.com");
        await SetItemAsync(RosterItem.Create(Romeo));

        await _store.UpdateAsync(nurseRoster, Juliet, static e => e with { Item = RosterItem.Create(Jid.Parse("juliet@example.com")) }, 100, CancellationToken.None);

        var juliet = await _store.GetRosterAsync(Juliet, CancellationToken.None);
        var nurse = await _store.GetRosterAsync(nurseRoster, CancellationToken.None);
        Assert.Equal(Romeo, Assert.Single(juliet.Items).Jid);
        Assert.Equal(Juliet, Assert.Single(nurse.Items).Jid);
        Assert.Equal("1", nurse.Version);
    }

    [Fact]
    public async Task Update_ConcurrentChanges_AreSerialised()
    {
        // Each change appends one group to the item: a lost update would leave fewer than 20 groups.
        await SetItemAsync(RosterItem.Create(Romeo));
        var tasks = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
            await _store.UpdateAsync(
                Juliet,
                Romeo,
                e => e with { Item = e.Item! with { Groups = [.. e.Item.Groups, "g" + i] } },
                100,
                CancellationToken.None)));

        await Task.WhenAll(tasks);

        var entry = await _store.GetEntryAsync(Juliet, Romeo, CancellationToken.None);
        Assert.Equal(20, entry.Item!.Groups.Count);
        Assert.Equal("21", (await _store.GetRosterAsync(Juliet, CancellationToken.None)).Version);
    }

    [Fact]
    public async Task DeleteUser_RemovesItemsPendingAndVersion_OnlyForThatUser()
    {
        var nurseRoster = Jid.Parse("nurse@example.com");
        await SetItemAsync(RosterItem.Create(Romeo) with { Groups = ["Friends"] });
        await _store.UpdateAsync(Juliet, Nurse, static e => e with { PendingIn = new PendingSubscription(Nurse, null) }, 100, CancellationToken.None);
        await _store.UpdateAsync(nurseRoster, Romeo, static e => e with { Item = RosterItem.Create(Romeo) }, 100, CancellationToken.None);

        await _store.DeleteUserAsync(Juliet, CancellationToken.None);

        var roster = await _store.GetRosterAsync(Juliet, CancellationToken.None);
        Assert.Empty(roster.Items);
        Assert.Equal("0", roster.Version);
        Assert.Empty(await _store.GetPendingSubscriptionsAsync(Juliet, CancellationToken.None));
        Assert.Single((await _store.GetRosterAsync(nurseRoster, CancellationToken.None)).Items);
    }

    [Fact]
    public async Task GetRoster_DomainJid_Throws()
    {
        await Assert.ThrowsAsync<ArgumentException>(async () => await _store.GetRosterAsync(Jid.Parse("example.com"), CancellationToken.None));
    }

    private ValueTask<RosterUpdate> SetItemAsync(RosterItem item, int limit = 100)
        => _store.UpdateAsync(Juliet, item.Jid, e => e with { Item = item }, limit, CancellationToken.None);
}
