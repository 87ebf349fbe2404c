using System.Collections.Concurrent;
using XmppServer.Protocol;

namespace XmppServer.Modules.Roster;

/// <summary>
/// Subscription requests per account and minute, as a token bucket: up to the limit at once, then one more each
/// 60/limit seconds. Spam bots send requests to thousands of strangers; people add a few contacts at a time.
/// </summary>
internal sealed class SubscriptionRateLimiter(int perMinute, TimeProvider time)
{
    private const int PruneAbove = 10_000;
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<Jid, Bucket> _buckets = new();

    /// <summary>Takes one request from <paramref name="user"/>'s allowance; false when it is used up. A limit of 0 means none.</summary>
    public bool TryTake(Jid user)
    {
        if (perMinute <= 0)
        {
            return true;
        }

        var now = time.GetUtcNow().UtcTicks;
        if (_buckets.Count > PruneAbove)
        {
            Prune(now);
        }

        var bucket = _buckets.GetOrAdd(user, static (_, state) => new Bucket(state.perMinute, state.now), (perMinute, now));
        lock (bucket)
        {
            // A clock set back counts as no time passed; a whole window refills everything. Multiplying before
            // dividing keeps a refill of exactly one request exact.
            var elapsed = Math.Clamp(now - bucket.Updated, 0, Window.Ticks);
            bucket.Tokens = Math.Min(perMinute, bucket.Tokens + ((double)(elapsed * perMinute) / Window.Ticks));
            bucket.Updated = now;
            if (bucket.Tokens < 1)
            {
                return false;
            }

            bucket.Tokens -= 1;
            return true;
        }
    }

    // A bucket untouched for a whole window is full again and can be forgotten.
    private void Prune(long now)
    {
        foreach (var (user, bucket) in _buckets)
        {
            if (now - Volatile.Read(ref bucket.Updated) > Window.Ticks)
            {
                _buckets.TryRemove(user, out _);
            }
        }
    }

    private sealed class Bucket(double tokens, long updated)
    {
        // Guarded by lock (this); fields, so that pruning can read Updated without the lock.
        public double Tokens = tokens;
        public long Updated = updated;
    }
}
