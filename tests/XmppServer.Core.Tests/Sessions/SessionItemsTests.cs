namespace XmppServer.Core.Tests.Sessions;

public class SessionItemsTests
{
    [Fact]
    public void Get_OnAnEmptySession_IsNull()
    {
        var items = new SessionItems();

        Assert.Null(items.Get<string>());
    }

    [Fact]
    public void SetThenGet_ReturnsTheItem_AndSetAgainReplacesIt()
    {
        var items = new SessionItems();

        items.Set("first");
        items.Set("second");

        Assert.Equal("second", items.Get<string>());
    }

    [Fact]
    public void GetOrAdd_RunsTheFactoryOnlyWhenMissing()
    {
        var items = new SessionItems();
        var calls = 0;

        var first = items.GetOrAdd(() => { calls++; return new List<int>(); });
        var second = items.GetOrAdd(() => { calls++; return new List<int>(); });

        Assert.Same(first, second);
        Assert.Equal(1, calls);
    }

    [Fact]
    public void Remove_TakesOnlyThatType()
    {
        var items = new SessionItems();
        items.Set("text");
        items.Set(new List<int> { 1 });

        Assert.True(items.Remove<string>());
        Assert.False(items.Remove<string>());

        Assert.Null(items.Get<string>());
        Assert.Equal([1], items.Get<List<int>>());
    }

    [Fact]
    public async Task ConcurrentGetOrAdd_OfManyTypes_KeepsOneItemPerType()
    {
        var items = new SessionItems();
        var winners = new object[8];

        // Eight threads race to add the same two types: every caller must see the one stored instance.
        await Task.WhenAll(Enumerable.Range(0, winners.Length).Select(i => Task.Run(() =>
        {
            winners[i] = i % 2 == 0 ? items.GetOrAdd(() => new List<int>()) : items.GetOrAdd(() => new List<string>());
        })));

        Assert.All(winners.Where((_, i) => i % 2 == 0), w => Assert.Same(items.Get<List<int>>(), w));
        Assert.All(winners.Where((_, i) => i % 2 == 1), w => Assert.Same(items.Get<List<string>>(), w));
    }
}
