using System.Buffers;
using XmppServer.Protocol.Tests.Testing;

namespace XmppServer.Protocol.Tests;

/// <summary>
/// Seeded random mutations of the fixtures: the parser must either parse or throw <see cref="XmppStreamException"/>
/// (never another exception), and feeding the same bytes split into segments must give the same outcome.
/// </summary>
public class XmppStreamParserFuzzTests
{
    private static readonly byte[] Interesting = "<>/&;'\"=![]?:x#-\r\n\t \0"u8.ToArray();

    public static TheoryData<string> Fixtures => ClientTraffic.Names;

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Parser_RandomMutations_ThrowOnlyStreamErrorsAndAgreeAcrossSplits(string fixture)
    {
        var original = ParserHarness.Utf8(ClientTraffic.Get(fixture));
        var random = new Random(fixture.Length * 7919);
        var iterations = int.TryParse(Environment.GetEnvironmentVariable("XMPP_FUZZ_ITERATIONS"), out var n) ? n : 400;

        for (var iteration = 0; iteration < iterations; iteration++)
        {
            var data = Mutate(original, random);
            var whole = Outcome(new ReadOnlySequence<byte>(data));
            var split = random.Next(data.Length + 1);
            var parts = Outcome(TestSequenceSegment.Split(data, split));
            var chunked = Outcome(TestSequenceSegment.Create([.. data.Chunk(1 + random.Next(16))]));

            Assert.True(whole == parts, $"split at {split} differs: {whole} vs {parts} for {Convert.ToBase64String(data)}");
            Assert.True(whole == chunked, $"chunks differ: {whole} vs {chunked} for {Convert.ToBase64String(data)}");
        }
    }

    private static string Outcome(ReadOnlySequence<byte> buffer)
    {
        var parser = new XmppStreamParser(ParserHarness.Options(maxStanzaBytes: 4096));
        var events = new List<string>();
        try
        {
            while (parser.TryParse(buffer, out var consumed, out var streamEvent))
            {
                buffer = buffer.Slice(consumed);
                events.Add(streamEvent.Kind + ":" + streamEvent.Element);
            }

            return string.Join("|", events);
        }
        catch (XmppStreamException ex)
        {
            return string.Join("|", events) + "!" + ex.Condition;
        }
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        var data = new List<byte>(original);
        var mutations = 1 + random.Next(4);
        for (var i = 0; i < mutations && data.Count > 0; i++)
        {
            var at = random.Next(data.Count);
            switch (random.Next(5))
            {
                case 0:
                    data[at] = Interesting[random.Next(Interesting.Length)];
                    break;
                case 1:
                    data[at] = (byte)random.Next(256);
                    break;
                case 2:
                    data.RemoveAt(at);
                    break;
                case 3:
                    data.Insert(at, Interesting[random.Next(Interesting.Length)]);
                    break;
                default:
                    var length = Math.Min(data.Count - at, 1 + random.Next(12));
                    data.InsertRange(random.Next(data.Count), data.GetRange(at, length));
                    break;
            }
        }

        return [.. data];
    }
}
