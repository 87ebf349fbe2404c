using XmppServer.LoadTest.Stats;

namespace XmppServer.LoadTest.Workers;

/// <summary>
/// One JSON line from a worker to the coordinator. Counters are summed over workers, maxima take the largest,
/// histograms are merged; so the coordinator needs no scenario-specific aggregation.
/// </summary>
internal sealed class WorkerMessage
{
    public string Type { get; set; } = string.Empty;

    public int Worker { get; set; }

    public Dictionary<string, long> Counters { get; set; } = [];

    public Dictionary<string, long> Maxima { get; set; } = [];

    public Dictionary<string, HistogramSnapshot> Histograms { get; set; } = [];

    public string? Error { get; set; }
}
