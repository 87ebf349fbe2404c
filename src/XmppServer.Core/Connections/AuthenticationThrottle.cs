using System.Collections.Concurrent;
using System.Net;

namespace XmppServer.Core.Connections;

/// <summary>
/// Slows down password guessing, per source address and per account, by holding back the verdict of a SASL attempt
/// (success and failure alike, so that the wait says nothing about whether the guess was right).
/// </summary>
/// <remarks>
/// <para>
/// Per source: three failures are free, then each failure doubles the hold of that source's next verdicts, from
/// 250 ms up to 5 s, whichever accounts it tries (password spraying). IPv6 sources count per /64, the block one
/// subscriber usually holds. A success does not reset a source, or any valid account would let a guesser start
/// over.
/// </para>
/// <para>
/// Per account (the username asked for, whether or not the account exists, so that the throttle gives away no
/// account's existence): three failures are free (typos), then each failure pushes the account's next verdict 1 s,
/// 2 s, 4 s ... after it, never more than <see cref="MaxAccountDelay"/>. An attempt that arrives meanwhile is not
/// refused but waits for that moment, so the owner, who knows the password, gets in within a minute whatever a
/// guesser does. One stream gets about one judged guess a minute; guesses spread over many streams at once are
/// bounded by the source throttle, the per-stream attempt limit and the connection limits. A success resets the
/// account.
/// </para>
/// Both counts are forgotten after <see cref="ForgetAfter"/> without failures.
/// </remarks>
internal sealed class AuthenticationThrottle(TimeProvider time)
{
    /// <summary>The longest an account's owner can be kept waiting for a verdict.</summary>
    public static readonly TimeSpan MaxAccountDelay = TimeSpan.FromMinutes(1);

    /// <summary>The longest hold a source's failures earn.</summary>
    public static readonly TimeSpan MaxSourceDelay = TimeSpan.FromSeconds(5);

    /// <summary>Failures from one source before its verdicts are held (a household or an office mistyping).</summary>
    public const int FreeSourceFailures = 3;

    /// <summary>Failures of one account answered without delay (typos).</summary>
    public const int FreeAccountFailures = 3;

    private static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan PruneInterval = TimeSpan.FromSeconds(10);
    private const int MaxEntries = 100_000;

    private readonly FailureTable<IPAddress> _sources = new();
    private readonly FailureTable<string> _accounts = new();

    /// <summary>
    /// How long to hold the verdict of an attempt from <paramref name="address"/> for <paramref name="account"/>
    /// (a bare JID; null when the attempt named none), given the failures recorded so far.
    /// </summary>
    public TimeSpan HoldBeforeVerdict(IPAddress? address, string? account)
    {
        var now = time.GetUtcNow();
        var hold = TimeSpan.Zero;
        if (address is not null)
        {
            hold = _sources.Get(SourceAddress.Key(address), now) is { } source ? SourceDelay(source.Failures) : MaxSourceDelayIfFull(_sources);
        }

        if (account is not null)
        {
            // An account the full table could not take in pays a flat delay instead.
            var accountHold = _accounts.Get(account, now) is { } entry
                ? entry.Last + AccountDelay(entry.Failures) - now
                : _accounts.IsFull ? MaxSourceDelay : TimeSpan.Zero;
            if (accountHold > hold)
            {
                hold = accountHold;
            }
        }

        return hold;
    }

    /// <summary>Records a failed attempt (wrong password, or an account that does not exist).</summary>
    public void RecordFailure(IPAddress? address, string? account)
    {
        var now = time.GetUtcNow();
        if (address is not null)
        {
            _sources.Increment(SourceAddress.Key(address), now, PruneInterval);
        }

        if (account is not null)
        {
            _accounts.Increment(account, now, PruneInterval);
        }
    }

    /// <summary>A successful login: the account's owner is in, so the guesses against it start from zero again.</summary>
    public void RecordSuccess(string account) => _accounts.Remove(account);

    /// <summary>Source delay for the next verdict after <paramref name="failures"/> failures.</summary>
    internal static TimeSpan SourceDelay(int failures)
    {
        if (failures < FreeSourceFailures)
        {
            return TimeSpan.Zero;
        }

        var delay = TimeSpan.FromMilliseconds(250 * Math.Pow(2, Math.Min(failures - FreeSourceFailures, 10)));
        return delay < MaxSourceDelay ? delay : MaxSourceDelay;
    }

    /// <summary>How long after the last failure the account's next verdict waits, after <paramref name="failures"/> failures.</summary>
    internal static TimeSpan AccountDelay(int failures)
    {
        if (failures < FreeAccountFailures)
        {
            return TimeSpan.Zero;
        }

        var delay = TimeSpan.FromSeconds(Math.Pow(2, Math.Min(failures - FreeAccountFailures, 10)));
        return delay < MaxAccountDelay ? delay : MaxAccountDelay;
    }

    // Under a flood from more sources than can be tracked, an untracked source pays the full delay.
    private static TimeSpan MaxSourceDelayIfFull(FailureTable<IPAddress> table) => table.IsFull ? MaxSourceDelay : TimeSpan.Zero;

    /// <summary>Failure counts by key, forgotten after <see cref="ForgetAfter"/> and bounded in size.</summary>
    private sealed class FailureTable<TKey>
        where TKey : notnull
    {
        private readonly ConcurrentDictionary<TKey, (int Failures, DateTimeOffset Last)> _entries = new();
        private long _lastPruneTicks;

        public bool IsFull => _entries.Count >= MaxEntries;

        public (int Failures, DateTimeOffset Last)? Get(TKey key, DateTimeOffset now)
            => _entries.TryGetValue(key, out var entry) && now - entry.Last <= ForgetAfter ? entry : null;

        public void Increment(TKey key, DateTimeOffset now, TimeSpan pruneInterval)
        {
            if (_entries.Count >= MaxEntries && !_entries.ContainsKey(key))
            {
                Prune(now, pruneInterval);
                if (_entries.Count >= MaxEntries)
                {
                    return;
                }
            }

            _entries.AddOrUpdate(
                key,
                static (_, n) => (1, n),
                static (_, old, n) => (n - old.Last > ForgetAfter ? 1 : old.Failures + 1, n),
                now);
        }

        public void Remove(TKey key) => _entries.TryRemove(key, out _);

        private void Prune(DateTimeOffset now, TimeSpan interval)
        {
            var last = Interlocked.Read(ref _lastPruneTicks);
            if (now.UtcTicks - last < interval.Ticks || Interlocked.CompareExchange(ref _lastPruneTicks, now.UtcTicks, last) != last)
            {
                return;
            }

            foreach (var (key, entry) in _entries)
            {
                if (now - entry.Last > ForgetAfter)
                {
                    _entries.TryRemove(key, out _);
                }
            }
        }
    }
}
