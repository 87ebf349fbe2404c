using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using XmppServer.Protocol;

namespace XmppServer.Benchmarks;

/// <summary>
/// Parses a buffer of <see cref="StanzasPerInvoke"/> copies of one stanza, as arrives on a busy connection. Time and
/// allocation are reported per stanza (OperationsPerInvoke); the MB/s column divides the stanza's size by the time.
/// </summary>
// Not sealed: BenchmarkDotNet generates a class deriving from it.
[MemoryDiagnoser]
[Config(typeof(BenchmarkConfig))]
public class ParserBenchmarks
{
    private const int StanzasPerInvoke = 64;

    private XmppStreamParser _parser = null!;
    private ReadOnlySequence<byte> _stanzas;

    [ParamsSource(nameof(StanzaNames))]
    public string Stanza { get; set; } = "Message";

    public static IEnumerable<string> StanzaNames => BenchmarkStanzas.Names;

    [GlobalSetup]
    public void Setup()
    {
        _parser = new XmppStreamParser(new XmppParserOptions());
        _parser.MaxStanzaBytes = _parser.Options.MaxStanzaBytes;
        var header = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(BenchmarkStanzas.Header));
        if (!_parser.TryParse(header, out _, out var start) || start.Kind != XmppStreamEventKind.StreamStart)
        {
            throw new InvalidOperationException("The stream header did not parse.");
        }

        var stanza = Encoding.UTF8.GetBytes(BenchmarkStanzas.Get(Stanza));
        var data = new byte[stanza.Length * StanzasPerInvoke];
        for (var i = 0; i < StanzasPerInvoke; i++)
        {
            stanza.CopyTo(data, i * stanza.Length);
        }

        _stanzas = new ReadOnlySequence<byte>(data);
        if (Parse() != StanzasPerInvoke)
        {
            throw new InvalidOperationException("The stanzas did not parse.");
        }
    }

    [Benchmark(OperationsPerInvoke = StanzasPerInvoke)]
    public int Parse()
    {
        var buffer = _stanzas;
        var count = 0;
        while (_parser.TryParse(buffer, out var consumed, out _))
        {
            buffer = buffer.Slice(consumed);
            count++;
        }

        return count;
    }
}
