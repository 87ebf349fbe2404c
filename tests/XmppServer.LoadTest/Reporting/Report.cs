using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using XmppServer.LoadTest.Stats;

namespace XmppServer.LoadTest.Reporting;

/// <summary>The figures of a run, printed as a table for people and as one JSON line for scripts.</summary>
internal sealed class Report
{
    private readonly List<ReportRow> _rows = [];
    private string _section = "run";

    public Report(string scenario)
    {
        Scenario = scenario;
    }

    public string Scenario { get; }

    public IReadOnlyList<ReportRow> Rows => _rows;

    public void Section(string title) => _section = title;

    public void Add(string key, string label, long value, string unit = "") => _rows.Add(new(_section, key, label, value, unit, 0));

    public void Add(string key, string label, double value, string unit, int decimals)
        => _rows.Add(new(_section, key, label, double.IsFinite(value) ? Math.Round(value, decimals) : null, unit, decimals));

    public void Add(string key, string label, string? value) => _rows.Add(new(_section, key, label, value, string.Empty, 0));

    /// <summary>Samples, p50, p99, max and mean of a latency histogram in milliseconds. Without samples the figures
    /// are n/a (null), not 0: a run in which nothing was measured must not read as one in which everything was fast.</summary>
    public void AddLatency(string key, string label, LatencyHistogram histogram)
    {
        var empty = histogram.Count == 0;
        Add(key + "_count", label + " samples", histogram.Count);
        Add(key + "_p50_ms", label + " p50", empty ? double.NaN : histogram.Percentile(50) / 1000.0, "ms", 3);
        Add(key + "_p99_ms", label + " p99", empty ? double.NaN : histogram.Percentile(99) / 1000.0, "ms", 3);
        Add(key + "_max_ms", label + " max", empty ? double.NaN : histogram.Max / 1000.0, "ms", 3);
        Add(key + "_mean_ms", label + " mean", empty ? double.NaN : histogram.Mean / 1000.0, "ms", 3);
    }

    public object? Get(string key) => _rows.FirstOrDefault(r => r.Key == key)?.Value;

    public string ToTable()
    {
        var sb = new StringBuilder();
        var width = _rows.Count == 0 ? 10 : _rows.Max(r => r.Label.Length) + 2;
        string? section = null;
        sb.Append(CultureInfo.InvariantCulture, $"== {Scenario} ==").AppendLine();
        foreach (var row in _rows)
        {
            if (row.Section != section)
            {
                section = row.Section;
                sb.AppendLine().Append(section).AppendLine();
            }

            sb.Append("  ").Append(row.Label.PadRight(width)).Append(Format(row));
            if (row.Unit.Length > 0 && row.Value is not null)
            {
                sb.Append(' ').Append(row.Unit);
            }

            sb.AppendLine();
        }

        return sb.ToString();
    }

    public string ToJsonLine()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("scenario", Scenario);
            foreach (var row in _rows)
            {
                switch (row.Value)
                {
                    case null: json.WriteNull(row.Key); break;
                    case long l: json.WriteNumber(row.Key, l); break;
                    case double d: json.WriteNumber(row.Key, d); break;
                    default: json.WriteString(row.Key, Convert.ToString(row.Value, CultureInfo.InvariantCulture)); break;
                }
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string Format(ReportRow row) => row.Value switch
    {
        null => "n/a",
        long l => l.ToString("N0", CultureInfo.InvariantCulture),
        double d => d.ToString("N" + row.Decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture),
        _ => Convert.ToString(row.Value, CultureInfo.InvariantCulture) ?? string.Empty,
    };
}
