using System.Numerics;

namespace XmppServer.LoadTest.Stats;

/// <summary>
/// A log-linear histogram of non-negative values (the tool records microseconds). Values below 256 are exact; above,
/// every power of two is split into 128 buckets, so a reported percentile is within 0.8 % of the true value.
/// Histograms from several worker processes merge exactly, which raw percentiles would not.
/// Recording is thread-safe (receive callbacks run on pool threads).
/// </summary>
internal sealed class LatencyHistogram
{
    private const int LinearLimit = 256;
    private const int SubBuckets = 128;

    // Values up to 2^40 µs (about 12 days) are kept apart; larger ones fall into the last bucket.
    internal const long MaxTrackable = (1L << 40) - 1;

    private static readonly int BucketCount = IndexOf(MaxTrackable) + 1;

    private readonly long[] _counts = new long[BucketCount];
    private long _count;
    private long _sum;
    private long _min = long.MaxValue;
    private long _max = long.MinValue;

    public long Count => Interlocked.Read(ref _count);

    public long Min => Count == 0 ? 0 : Interlocked.Read(ref _min);

    public long Max => Count == 0 ? 0 : Interlocked.Read(ref _max);

    public double Mean => Count == 0 ? 0 : (double)Interlocked.Read(ref _sum) / Count;

    public void Record(long value)
    {
        if (value < 0)
        {
            value = 0;
        }

        Interlocked.Increment(ref _counts[IndexOf(Math.Min(value, MaxTrackable))]);
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _sum, value);
        UpdateMin(value);
        UpdateMax(value);
    }

    /// <summary>The nearest-rank percentile: the smallest recorded value with at least p % of values at or below it.</summary>
    public long Percentile(double percentile)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(percentile, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percentile, 100);
        var count = Count;
        if (count == 0)
        {
            return 0;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(percentile / 100 * count));
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += Interlocked.Read(ref _counts[i]);
            if (seen >= rank)
            {
                // The bucket's highest value, never outside what was recorded.
                return Math.Clamp(HighestInBucket(i), Min, Max);
            }
        }

        return Max;
    }

    public void Merge(HistogramSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.Count == 0)
        {
            return;
        }

        for (var i = 0; i + 1 < snapshot.Buckets.Length; i += 2)
        {
            Interlocked.Add(ref _counts[snapshot.Buckets[i]], snapshot.Buckets[i + 1]);
        }

        Interlocked.Add(ref _count, snapshot.Count);
        Interlocked.Add(ref _sum, snapshot.Sum);
        UpdateMin(snapshot.Min);
        UpdateMax(snapshot.Max);
    }

    public HistogramSnapshot Snapshot()
    {
        var pairs = new List<long>();
        for (var i = 0; i < _counts.Length; i++)
        {
            var c = Interlocked.Read(ref _counts[i]);
            if (c != 0)
            {
                pairs.Add(i);
                pairs.Add(c);
            }
        }

        return new HistogramSnapshot(Count, Interlocked.Read(ref _sum), Min, Max, [.. pairs]);
    }

    internal static int IndexOf(long value)
    {
        if (value < LinearLimit)
        {
            return (int)value;
        }

        // Shift so that the top 8 significant bits remain: value >> shift is in [128, 256).
        var shift = BitOperations.Log2((ulong)value) - 7;
        return LinearLimit + ((shift - 1) * SubBuckets) + (int)((value >> shift) - SubBuckets);
    }

    internal static long HighestInBucket(int index)
    {
        if (index < LinearLimit)
        {
            return index;
        }

        var shift = ((index - LinearLimit) / SubBuckets) + 1;
        var mantissa = (long)((index - LinearLimit) % SubBuckets) + SubBuckets;
        return ((mantissa + 1) << shift) - 1;
    }

    private void UpdateMin(long value)
    {
        var current = Interlocked.Read(ref _min);
        while (value < current)
        {
            var previous = Interlocked.CompareExchange(ref _min, value, current);
            if (previous == current)
            {
                return;
            }

            current = previous;
        }
    }

    private void UpdateMax(long value)
    {
        var current = Interlocked.Read(ref _max);
        while (value > current)
        {
            var previous = Interlocked.CompareExchange(ref _max, value, current);
            if (previous == current)
            {
                return;
            }

            current = previous;
        }
    }
}
