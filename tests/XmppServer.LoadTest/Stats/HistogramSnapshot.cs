namespace XmppServer.LoadTest.Stats;

/// <summary>A histogram as it crosses the process boundary: <see cref="Buckets"/> holds (index, count) pairs.</summary>
internal sealed record HistogramSnapshot(long Count, long Sum, long Min, long Max, long[] Buckets);
