using System.Text.Json;
using XmppServer.LoadTest.Stats;
using XmppServer.LoadTest.Workers;

namespace XmppServer.LoadTest.Tests;

public class LatencyHistogramTests
{
    [Fact]
    public void Percentile_Empty_IsZero()
    {
        var histogram = new LatencyHistogram();

        Assert.Equal(0, histogram.Percentile(50));
        Assert.Equal(0, histogram.Max);
        Assert.Equal(0, histogram.Min);
        Assert.Equal(0, histogram.Count);
    }

    [Fact]
    public void Percentile_SmallValues_AreExactNearestRank()
    {
        var histogram = new LatencyHistogram();
        for (var v = 1; v <= 100; v++)
        {
            histogram.Record(v);
        }

        // Nearest rank: the smallest value with at least p % of the values at or below it.
        Assert.Equal(50, histogram.Percentile(50));
        Assert.Equal(99, histogram.Percentile(99));
        Assert.Equal(100, histogram.Percentile(100));
        Assert.Equal(1, histogram.Percentile(0));
        Assert.Equal(1, histogram.Percentile(1));
        Assert.Equal(50.5, histogram.Mean, 6);
    }

    [Fact]
    public void Percentile_SingleLargeValue_IsThatValue()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(123_456_789);

        Assert.Equal(123_456_789, histogram.Percentile(50));
        Assert.Equal(123_456_789, histogram.Percentile(99));
        Assert.Equal(123_456_789, histogram.Max);
    }

    [Fact]
    public void Percentile_WideRandomValues_WithinOnePercentOfExact()
    {
        var random = new Random(1234);
        var values = new long[20_000];
        var histogram = new LatencyHistogram();
        for (var i = 0; i < values.Length; i++)
        {
            // Log-uniform from 1 µs to about 100 s.
            values[i] = (long)Math.Exp(random.NextDouble() * Math.Log(100_000_000));
            histogram.Record(values[i]);
        }

        Array.Sort(values);
        foreach (var p in new[] { 1.0, 10, 50, 90, 99, 99.9, 100 })
        {
            var exact = values[(int)Math.Ceiling(p / 100 * values.Length) - 1];
            var reported = histogram.Percentile(p);
            Assert.InRange(reported, exact, (long)Math.Ceiling(exact * 1.01));
        }

        Assert.Equal(values[^1], histogram.Max);
        Assert.Equal(values[0], histogram.Min);
    }

    [Fact]
    public void Record_Negative_CountsAsZero()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(-5);

        Assert.Equal(0, histogram.Percentile(50));
        Assert.Equal(1, histogram.Count);
    }

    [Fact]
    public void Merge_TwoHalves_EqualsRecordingEverything()
    {
        var all = new LatencyHistogram();
        var first = new LatencyHistogram();
        var second = new LatencyHistogram();
        var random = new Random(99);
        for (var i = 0; i < 5000; i++)
        {
            var value = random.NextInt64(0, 5_000_000);
            all.Record(value);
            (i % 2 == 0 ? first : second).Record(value);
        }

        var merged = new LatencyHistogram();
        merged.Merge(first.Snapshot());
        merged.Merge(second.Snapshot());

        Assert.Equal(all.Count, merged.Count);
        Assert.Equal(all.Min, merged.Min);
        Assert.Equal(all.Max, merged.Max);
        Assert.Equal(all.Mean, merged.Mean, 6);
        foreach (var p in new[] { 50.0, 90, 99, 99.9 })
        {
            Assert.Equal(all.Percentile(p), merged.Percentile(p));
        }
    }

    [Fact]
    public void Merge_EmptySnapshot_ChangesNothing()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(10);
        histogram.Merge(new LatencyHistogram().Snapshot());

        Assert.Equal(1, histogram.Count);
        Assert.Equal(10, histogram.Min);
    }

    [Fact]
    public void Snapshot_ThroughWorkerJson_RoundTrips()
    {
        var histogram = new LatencyHistogram();
        foreach (var v in new long[] { 3, 300, 30_000, 3_000_000 })
        {
            histogram.Record(v);
        }

        var message = new WorkerMessage { Type = MessageTypes.Result };
        message.Histograms["latency"] = histogram.Snapshot();
        message.Counters["delivered"] = 4;
        var json = JsonSerializer.Serialize(message, WorkerJsonContext.Default.WorkerMessage);
        var back = JsonSerializer.Deserialize(json, WorkerJsonContext.Default.WorkerMessage)!;
        var aggregate = Aggregate.Of([back, back]);

        Assert.Equal(8, aggregate.Counter("delivered"));
        var merged = aggregate.Histogram("latency");
        Assert.Equal(8, merged.Count);
        Assert.Equal(histogram.Percentile(50), merged.Percentile(50));
        Assert.Equal(3_000_000, merged.Max);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(257)]
    [InlineData(511)]
    [InlineData(512)]
    [InlineData(1_000_003)]
    [InlineData(LatencyHistogram.MaxTrackable)]
    public void IndexOf_Value_LiesWithinItsBucketWithinOnePercent(long value)
    {
        var index = LatencyHistogram.IndexOf(value);
        var highest = LatencyHistogram.HighestInBucket(index);

        Assert.InRange(highest, value, Math.Max(value, (long)(value * 1.008)));
        if (index > 0)
        {
            Assert.True(LatencyHistogram.HighestInBucket(index - 1) < value);
        }
    }
}
