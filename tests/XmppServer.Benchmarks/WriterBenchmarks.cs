using System.Buffers;
using BenchmarkDotNet.Attributes;
using XmppServer.Protocol;

namespace XmppServer.Benchmarks;

/// <summary>Serialises one parsed stanza into a reused <see cref="ArrayBufferWriter{T}"/>.</summary>
// Not sealed: BenchmarkDotNet generates a class deriving from it.
[MemoryDiagnoser]
[Config(typeof(BenchmarkConfig))]
public class WriterBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    private XmppElement _element = null!;

    [ParamsSource(nameof(StanzaNames))]
    public string Stanza { get; set; } = "Message";

    public static IEnumerable<string> StanzaNames => BenchmarkStanzas.Names;

    [GlobalSetup]
    public void Setup() => _element = BenchmarkStanzas.Parse(Stanza);

    [Benchmark]
    public int Write()
    {
        _output.ResetWrittenCount();
        XmppWriter.WriteElement(_output, _element, Namespaces.Client);
        return _output.WrittenCount;
    }
}
