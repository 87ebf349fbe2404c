using System.Net;
using XmppServer.Core.Connections;

namespace XmppServer.Core.Tests.Connections;

public sealed class AuthenticationThrottleTests
{
    private static readonly IPAddress Source = IPAddress.Parse("192.0.2.1");

    [Fact]
    public void SourceFailures_AfterFreeOnes_DoubleTheHold_UpToFiveSeconds()
    {
        var clock = new ManualClock();
        var throttle = new AuthenticationThrottle(clock);
        var holds = new List<TimeSpan>();
        for (var i = 0; i < 12; i++)
        {
            holds.Add(throttle.HoldBeforeVerdict(Source, account: null));
            throttle.RecordFailure(Source, "user" + i + "@example.com");
        }

        Assert.All(holds.Take(AuthenticationThrottle.FreeSourceFailures), h => Assert.Equal(TimeSpan.Zero, h));
        Assert.Equal(TimeSpan.FromMilliseconds(250), holds[AuthenticationThrottle.FreeSourceFailures]);
        Assert.Equal(TimeSpan.FromMilliseconds(500), holds[AuthenticationThrottle.FreeSourceFailures + 1]);
        Assert.Equal(AuthenticationThrottle.MaxSourceDelay, holds[^1]);
    }

    [Fact]
    public void AccountFailures_FromManySources_HoldTheAccount_NeverMoreThanAMinute()
    {
        var clock = new ManualClock();
        var throttle = new AuthenticationThrottle(clock);
        for (var i = 0; i < 200; i++)
        {
            // A botnet: every guess from another address, so no source is ever slowed down.
            throttle.RecordFailure(IPAddress.Parse($"198.51.{i / 250}.{i % 250}"), "alice@example.com");
            Assert.True(throttle.HoldBeforeVerdict(IPAddress.Parse("203.0.113.9"), "alice@example.com") <= AuthenticationThrottle.MaxAccountDelay);
        }

        // The owner, from a fresh address, waits a minute at most and then is judged.
        Assert.Equal(AuthenticationThrottle.MaxAccountDelay, throttle.HoldBeforeVerdict(IPAddress.Parse("203.0.113.9"), "alice@example.com"));
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(TimeSpan.FromSeconds(30), throttle.HoldBeforeVerdict(IPAddress.Parse("203.0.113.9"), "alice@example.com"));
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(TimeSpan.Zero, throttle.HoldBeforeVerdict(IPAddress.Parse("203.0.113.9"), "alice@example.com"));

        // Other accounts are untouched.
        Assert.Equal(TimeSpan.Zero, throttle.HoldBeforeVerdict(IPAddress.Parse("203.0.113.9"), "bob@example.com"));
    }

    [Fact]
    public void AccountDelay_IsFreeForTypos_ThenDoubles_CappedAtAMinute()
    {
        Assert.Equal(TimeSpan.Zero, AuthenticationThrottle.AccountDelay(AuthenticationThrottle.FreeAccountFailures - 1));
        Assert.Equal(TimeSpan.FromSeconds(1), AuthenticationThrottle.AccountDelay(AuthenticationThrottle.FreeAccountFailures));
        Assert.Equal(TimeSpan.FromSeconds(2), AuthenticationThrottle.AccountDelay(AuthenticationThrottle.FreeAccountFailures + 1));
        Assert.Equal(TimeSpan.FromMinutes(1), AuthenticationThrottle.AccountDelay(int.MaxValue));
    }

    [Fact]
    public void Success_ResetsTheAccount_ButNotTheSource()
    {
        var clock = new ManualClock();
        var throttle = new AuthenticationThrottle(clock);
        for (var i = 0; i < 6; i++)
        {
            throttle.RecordFailure(Source, "alice@example.com");
        }

        throttle.RecordSuccess("alice@example.com");

        Assert.Equal(TimeSpan.Zero, throttle.HoldBeforeVerdict(address: null, "alice@example.com"));
        Assert.True(throttle.HoldBeforeVerdict(Source, account: null) > TimeSpan.Zero);
    }

    [Fact]
    public void Failures_AreForgottenAfterQuietTime()
    {
        var clock = new ManualClock();
        var throttle = new AuthenticationThrottle(clock);
        for (var i = 0; i < 8; i++)
        {
            throttle.RecordFailure(Source, "alice@example.com");
        }

        clock.Advance(TimeSpan.FromMinutes(16));

        Assert.Equal(TimeSpan.Zero, throttle.HoldBeforeVerdict(Source, "alice@example.com"));
    }

    [Fact]
    public void Ipv6Sources_CountPerSlash64_AndMappedIpv4_CountsAsIpv4()
    {
        var clock = new ManualClock();
        var throttle = new AuthenticationThrottle(clock);
        for (var i = 1; i <= 6; i++)
        {
            throttle.RecordFailure(IPAddress.Parse($"2001:db8:1:2::{i}"), account: null);
            throttle.RecordFailure(IPAddress.Parse("::ffff:192.0.2.7"), account: null);
        }

        Assert.True(throttle.HoldBeforeVerdict(IPAddress.Parse("2001:db8:1:2:ffff::1"), account: null) > TimeSpan.Zero);
        Assert.Equal(TimeSpan.Zero, throttle.HoldBeforeVerdict(IPAddress.Parse("2001:db8:1:3::1"), account: null));
        Assert.True(throttle.HoldBeforeVerdict(IPAddress.Parse("192.0.2.7"), account: null) > TimeSpan.Zero);
    }

    /// <summary>A clock the test moves by hand.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
