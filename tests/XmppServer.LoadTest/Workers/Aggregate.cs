using XmppServer.LoadTest.Stats;

namespace XmppServer.LoadTest.Workers;

/// <summary>The sum of the workers' messages of one phase: counters added, maxima maxed, histograms merged.</summary>
internal sealed class Aggregate
{
    private readonly Dictionary<string, long> _counters = [];
    private readonly Dictionary<string, long> _maxima = [];
    private readonly Dictionary<string, LatencyHistogram> _histograms = [];

    public IReadOnlyDictionary<string, long> Counters => _counters;

    public static Aggregate Of(IEnumerable<WorkerMessage> messages)
    {
        var aggregate = new Aggregate();
        foreach (var message in messages)
        {
            foreach (var (key, value) in message.Counters)
            {
                aggregate._counters[key] = aggregate._counters.GetValueOrDefault(key) + value;
            }

            foreach (var (key, value) in message.Maxima)
            {
                aggregate._maxima[key] = aggregate._maxima.TryGetValue(key, out var current) ? Math.Max(current, value) : value;
            }

            foreach (var (key, snapshot) in message.Histograms)
            {
                if (!aggregate._histograms.TryGetValue(key, out var histogram))
                {
                    aggregate._histograms[key] = histogram = new LatencyHistogram();
                }

                histogram.Merge(snapshot);
            }
        }

        return aggregate;
    }

    public long Counter(string name) => _counters.GetValueOrDefault(name);

    public long? Maximum(string name) => _maxima.TryGetValue(name, out var value) ? value : null;

    public LatencyHistogram Histogram(string name) => _histograms.TryGetValue(name, out var h) ? h : new LatencyHistogram();

    /// <summary>Counters named "fail_KIND", as (KIND, count).</summary>
    public IEnumerable<(string Kind, long Count)> Failures()
        => _counters.Where(p => p.Key.StartsWith("fail_", StringComparison.Ordinal) && p.Value > 0)
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => (p.Key[5..], p.Value));

    public long FailureCount => Failures().Sum(f => f.Count);
}
