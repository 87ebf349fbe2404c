using System.Collections.Concurrent;
using System.Net;

namespace XmppServer.Core.Connections;

/// <summary>
/// Slows down repeated SASL failures from one source address: each failure doubles the delay before the next
/// failure answer (250 ms up to 5 s), and the count is forgotten after ten quiet minutes. A guesser pays time; an
/// honest user who mistyped once barely notices.
/// </summary>
internal sealed class AuthenticationThrottle(TimeProvider time)
{
    private static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);
    private const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<IPAddress, (int Failures, DateTimeOffset Last)> _failures = new();

    /// <summary>Records a failure and returns how long to wait before answering it.</summary>
    public TimeSpan RecordFailure(IPAddress? address)
    {
        if (address is null)
        {
            return TimeSpan.Zero;
        }

        var now = time.GetUtcNow();
        if (_failures.Count > MaxEntries)
        {
            Prune(now);
        }

        var (failures, _) = _failures.AddOrUpdate(
            address,
            static (_, n) => (1, n),
            static (_, old, n) => (n - old.Last > ForgetAfter ? 1 : old.Failures + 1, n),
            now);
        var delay = TimeSpan.FromMilliseconds(250 * Math.Pow(2, Math.Min(failures - 1, 5)));
        return failures <= 1 ? TimeSpan.Zero : delay < MaxDelay ? delay : MaxDelay;
    }

    public void RecordSuccess(IPAddress? address)
    {
        if (address is not null)
        {
            _failures.TryRemove(address, out _);
        }
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (address, entry) in _failures)
        {
            if (now - entry.Last > ForgetAfter)
            {
                _failures.TryRemove(address, out _);
            }
        }
    }
}
