using XmppServer.Modules.Mam;
using XmppServer.Modules.Tests.Testing;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Mam;

public sealed class ArchivePreferencesCacheTests
{
    private static readonly Jid Juliet = Jid.Parse("juliet@capulet.lit");
    private static readonly ArchivePreferences Always = new(ArchiveDefault.Always, [], []);
    private static readonly ArchivePreferences Never = new(ArchiveDefault.Never, [], []);

    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void TryGet_AfterRead_ReturnsIt()
    {
        var cache = new ArchivePreferencesCache(10, _time);

        Assert.False(cache.TryGet(Juliet, out _));
        cache.AddRead(Juliet, Never);

        Assert.True(cache.TryGet(Juliet, out var preferences));
        Assert.Same(Never, preferences);
    }

    [Fact]
    public void AddRead_AfterASetThatRacedTheRead_KeepsTheSetValue()
    {
        var cache = new ArchivePreferencesCache(10, _time);

        // The read started before the set and finishes after it: what it read is older than what was set.
        cache.Set(Juliet, Never);
        cache.AddRead(Juliet, Always);

        Assert.True(cache.TryGet(Juliet, out var preferences));
        Assert.Same(Never, preferences);
    }

    [Fact]
    public void TryGet_AfterTheLifetime_MissesAndANewReadReplacesTheEntry()
    {
        var cache = new ArchivePreferencesCache(10, _time);
        cache.AddRead(Juliet, Never);

        _time.Advance(ArchivePreferencesCache.Lifetime);

        Assert.False(cache.TryGet(Juliet, out _));
        cache.AddRead(Juliet, Always);
        Assert.True(cache.TryGet(Juliet, out var preferences));
        Assert.Same(Always, preferences);
    }

    [Fact]
    public void Remove_ForgetsTheUser()
    {
        var cache = new ArchivePreferencesCache(10, _time);
        cache.Set(Juliet, Never);

        cache.Remove(Juliet);

        Assert.False(cache.TryGet(Juliet, out _));
    }

    [Fact]
    public void AddRead_ManyMoreUsersThanCapacity_NeverHoldsMoreThanCapacity()
    {
        var cache = new ArchivePreferencesCache(100, _time);

        for (var i = 0; i < 1_000; i++)
        {
            cache.AddRead(Jid.Parse($"user{i}@capulet.lit"), Always);
            Assert.InRange(cache.Count, 1, 100);
        }

        // The newest user is always kept: room is made before adding.
        Assert.True(cache.TryGet(Jid.Parse("user999@capulet.lit"), out _));
    }
}
