namespace XmppServer.Core.Connections;

/// <summary>
/// A token bucket (Prosody's util.throttle): <paramref name="burst"/> tokens to start with, refilled at
/// <paramref name="ratePerSecond"/>. Taking more than there are leaves a debt, and the answer is how long until it is
/// paid: the caller waits that long before it reads more, so what was read is never dropped. One reader only.
/// </summary>
internal sealed class TokenBucket(double ratePerSecond, double burst, TimeProvider time)
{
    private readonly double _burst = burst;
    private double _tokens = burst;
    private long _refilledAt = time.GetTimestamp();

    /// <summary>Takes <paramref name="count"/> tokens; returns how long to wait before the balance is back to zero.</summary>
    public TimeSpan Take(double count)
    {
        var now = time.GetTimestamp();
        _tokens = Math.Min(_burst, _tokens + (time.GetElapsedTime(_refilledAt, now).TotalSeconds * ratePerSecond));
        _refilledAt = now;
        _tokens -= count;
        return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / ratePerSecond);
    }

    /// <summary>A bucket, or null when <paramref name="ratePerSecond"/> is 0 (no limit).</summary>
    public static TokenBucket? CreateOrNull(int ratePerSecond, int burst, TimeProvider time)
        => ratePerSecond > 0 ? new TokenBucket(ratePerSecond, Math.Max(burst, 1), time) : null;
}
