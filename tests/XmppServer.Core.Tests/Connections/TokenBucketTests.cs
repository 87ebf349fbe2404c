using XmppServer.Core.Connections;

namespace XmppServer.Core.Tests.Connections;

public sealed class TokenBucketTests
{
    [Fact]
    public void Take_WithinBurst_NeverWaits()
    {
        var bucket = new TokenBucket(100, 1000, new ManualTimeProvider());

        Assert.Equal(TimeSpan.Zero, bucket.Take(600));
        Assert.Equal(TimeSpan.Zero, bucket.Take(400));
    }

    [Fact]
    public void Take_BeyondBurst_WaitsUntilTheDebtIsRefilled()
    {
        var bucket = new TokenBucket(100, 1000, new ManualTimeProvider());

        // 1500 taken from 1000: a debt of 500 at 100 per second.
        Assert.Equal(TimeSpan.FromSeconds(5), bucket.Take(1500));
    }

    [Fact]
    public void Take_AfterWaiting_RefillsAtTheRate()
    {
        var time = new ManualTimeProvider();
        var bucket = new TokenBucket(100, 1000, time);
        bucket.Take(1000);

        time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(TimeSpan.Zero, bucket.Take(200));
        Assert.Equal(TimeSpan.FromSeconds(1), bucket.Take(100));
    }

    [Fact]
    public void Take_AfterLongIdle_RefillsNoMoreThanTheBurst()
    {
        var time = new ManualTimeProvider();
        var bucket = new TokenBucket(100, 1000, time);

        time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(TimeSpan.FromSeconds(1), bucket.Take(1100));
    }

    [Fact]
    public void Take_SustainedAtTheRate_IsNeverSlowed()
    {
        var time = new ManualTimeProvider();
        var bucket = new TokenBucket(100, 100, time);
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(TimeSpan.Zero, bucket.Take(10));
            time.Advance(TimeSpan.FromMilliseconds(100));
        }
    }

    [Fact]
    public void CreateOrNull_ZeroRate_IsNoLimit()
    {
        Assert.Null(TokenBucket.CreateOrNull(0, 100, TimeProvider.System));
        Assert.NotNull(TokenBucket.CreateOrNull(1, 100, TimeProvider.System));
    }
}
