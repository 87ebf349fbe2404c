using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace XmppServer.Core.Connections;

/// <summary>
/// Slows down repeated SASL failures from one source: each failure doubles the delay before the next failure answer
/// (250 ms up to 5 s), and the count is forgotten after ten quiet minutes. A guesser pays time; an honest user who
/// mistyped once barely notices. A success does not reset the count, or any valid account would let a guesser start
/// over; IPv6 sources count per /64, the block one subscriber usually holds.
/// </summary>
internal sealed class AuthenticationThrottle(TimeProvider time)
{
    private static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan PruneInterval = TimeSpan.FromSeconds(10);
    private const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<IPAddress, (int Failures, DateTimeOffset Last)> _failures = new();
    private long _lastPruneTicks;

    /// <summary>Records a failure and returns how long to wait before answering it.</summary>
    public TimeSpan RecordFailure(IPAddress? address)
    {
        if (address is null)
        {
            return TimeSpan.Zero;
        }

        var now = time.GetUtcNow();
        var key = SourceKey(address);
        if (_failures.Count >= MaxEntries && !_failures.ContainsKey(key))
        {
            PruneAtMostEvery(now);
            if (_failures.Count >= MaxEntries)
            {
                // Under a flood from too many sources to track, new sources pay the full delay.
                return MaxDelay;
            }
        }

        var (failures, _) = _failures.AddOrUpdate(
            key,
            static (_, n) => (1, n),
            static (_, old, n) => (n - old.Last > ForgetAfter ? 1 : old.Failures + 1, n),
            now);
        if (failures <= 1)
        {
            return TimeSpan.Zero;
        }

        var delay = TimeSpan.FromMilliseconds(250 * Math.Pow(2, Math.Min(failures - 2, 5)));
        return delay < MaxDelay ? delay : MaxDelay;
    }

    private static IPAddress SourceKey(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address;
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes);
    }

    private void PruneAtMostEvery(DateTimeOffset now)
    {
        var last = Interlocked.Read(ref _lastPruneTicks);
        if (now.UtcTicks - last < PruneInterval.Ticks || Interlocked.CompareExchange(ref _lastPruneTicks, now.UtcTicks, last) != last)
        {
            return;
        }

        foreach (var (address, entry) in _failures)
        {
            if (now - entry.Last > ForgetAfter)
            {
                _failures.TryRemove(address, out _);
            }
        }
    }
}
