using System.Diagnostics;

namespace XmppServer.LoadTest.Scenarios;

/// <summary>
/// Open-loop pacing: the i-th action is due at i / rate seconds after the start, whatever earlier actions are doing,
/// so a slow server does not slow the arrivals down (no coordinated omission). A late wake-up catches up at once.
/// </summary>
internal static class Pacer
{
    // At high rates actions are issued in batches, at most this often: waking up costs the tool CPU too.
    private static readonly TimeSpan MinimumSleep = TimeSpan.FromMilliseconds(2);

    /// <summary>Runs until <paramref name="count"/> actions were issued or <paramref name="duration"/> is over.
    /// Returns the number issued.</summary>
    public static async Task<long> RunAsync(double rate, long? count, TimeSpan? duration, Func<long, ValueTask> action, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        var limit = count ?? long.MaxValue;
        if (duration is { } d)
        {
            limit = Math.Min(limit, (long)Math.Ceiling(d.TotalSeconds * rate));
        }

        var start = Stopwatch.GetTimestamp();
        long issued = 0;
        while (issued < limit)
        {
            // The first action is due at once; the i-th at i / rate.
            var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            var due = Math.Min(limit, (long)Math.Floor(elapsed * rate) + 1);
            while (issued < due)
            {
                await action(issued);
                issued++;
            }

            if (issued >= limit)
            {
                break;
            }

            var next = TimeSpan.FromSeconds((issued / rate) - Stopwatch.GetElapsedTime(start).TotalSeconds);
            await Task.Delay(next > MinimumSleep ? next : MinimumSleep, cancellationToken);
        }

        return issued;
    }
}
