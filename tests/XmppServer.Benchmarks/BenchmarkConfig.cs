using BenchmarkDotNet.Configs;

namespace XmppServer.Benchmarks;

/// <summary>The stanza size and MB/s columns for the protocol benchmarks.</summary>
internal sealed class BenchmarkConfig : ManualConfig
{
    public BenchmarkConfig()
    {
        AddColumn(new ThroughputColumn(showBytes: true), new ThroughputColumn(showBytes: false));
    }
}
