using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace XmppServer.Benchmarks;

/// <summary>
/// MB/s (10^6 bytes per second) of stanza bytes, from the mean time per operation (one stanza) and the stanza's size:
/// its UTF-8 input for the parser, its serialised output for the writer.
/// </summary>
internal sealed class ThroughputColumn(bool showBytes) : IColumn
{
    public string Id => showBytes ? "StanzaBytes" : "Throughput";

    public string ColumnName => showBytes ? "Bytes/stanza" : "MB/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => showBytes ? 0 : 1;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => showBytes ? "Size of one stanza in UTF-8" : "Stanza bytes processed per second, in 10^6 bytes";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        if (benchmarkCase.Parameters["Stanza"] is not string name)
        {
            return "-";
        }

        var bytes = benchmarkCase.Descriptor.Type == typeof(WriterBenchmarks)
            ? BenchmarkStanzas.WrittenByteCount(name)
            : BenchmarkStanzas.ByteCount(name);
        if (showBytes)
        {
            return bytes.ToString(CultureInfo.InvariantCulture);
        }

        var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
        return mean is > 0 ? (bytes / mean.Value * 1e3).ToString("N1", CultureInfo.InvariantCulture) : "NA";
    }

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    // Only benchmarks of one stanza by name have a size to divide; the router's and SCRAM's would show dashes.
    public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(c => c.Parameters["Stanza"] is string);
}
