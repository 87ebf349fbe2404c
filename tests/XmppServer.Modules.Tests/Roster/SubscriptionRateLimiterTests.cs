using XmppServer.Modules.Roster;
using XmppServer.Modules.Tests.Testing;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Roster;

public sealed class SubscriptionRateLimiterTests
{
    private static readonly Jid Alice = Jid.Parse("alice@example.com");
    private static readonly Jid Bob = Jid.Parse("bob@example.com");

    [Fact]
    public void Requests_UpToTheLimit_PassAtOnce_ThenOneMorePerShareOfTheMinute()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var limiter = new SubscriptionRateLimiter(6, clock);
        for (var i = 0; i < 6; i++)
        {
            Assert.True(limiter.TryTake(Alice), $"request {i} within the limit");
        }

        Assert.False(limiter.TryTake(Alice));

        // Each account has its own allowance.
        Assert.True(limiter.TryTake(Bob));

        // 6 a minute: one more every 10 seconds.
        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.False(limiter.TryTake(Alice));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(limiter.TryTake(Alice));
        Assert.False(limiter.TryTake(Alice));

        // A quiet hour refills no more than the limit.
        clock.Advance(TimeSpan.FromHours(1));
        for (var i = 0; i < 6; i++)
        {
            Assert.True(limiter.TryTake(Alice));
        }

        Assert.False(limiter.TryTake(Alice));
    }

    [Fact]
    public void LimitZero_MeansNoLimit()
    {
        var limiter = new SubscriptionRateLimiter(0, TimeProvider.System);
        for (var i = 0; i < 1000; i++)
        {
            Assert.True(limiter.TryTake(Alice));
        }
    }
}
