using System.Text;
using XmppServer.Fuzz;

namespace XmppServer.Protocol.Tests;

/// <summary>
/// Replays the fuzz target's seed corpus and every finding (tests/XmppServer.Fuzz/corpus and regressions) through
/// the fuzz target's own check, so each run of the tests re-checks what the fuzzer once found, without AFL.
/// </summary>
public class FuzzCorpusReplayTests
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "fuzz");

    public static TheoryData<string> Inputs()
    {
        var data = new TheoryData<string>();
        foreach (var file in Files("corpus").Concat(Files("regressions")))
        {
            data.Add(Path.GetRelativePath(Root, file).Replace('\\', '/'));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void FuzzInput_SameEventsWholeAndSplit_AndEveryElementSurvivesWriteAndReparse(string input)
    {
        // Throws RoundTripMismatchException on a disagreement; any other exception is a crash of the parser or writer.
        StanzaRoundTrip.Check(File.ReadAllBytes(Path.Combine(Root, input)));
    }

    [Fact]
    public void FuzzCorpus_EverySeedIsValidClientTraffic_WithStanzasAndNoStreamError()
    {
        // afl-fuzz learns most from seeds the parser accepts; a seed that fails early only teaches the error path.
        var seeds = Files("corpus").ToList();
        Assert.True(seeds.Count >= 20, $"only {seeds.Count} seeds");
        foreach (var seed in seeds)
        {
            var bytes = File.ReadAllBytes(seed);
            Assert.True(bytes.Length < 1024, $"{seed}: {bytes.Length} bytes; afl-fuzz prefers seeds under 1 KiB");
            var outcome = StanzaRoundTrip.Check(bytes);
            Assert.Null(outcome.Error);
            Assert.Equal(XmppStreamEventKind.StreamStart, outcome.Events[0].Event.Kind);
            Assert.Contains(outcome.Events, e => e.Event.Kind == XmppStreamEventKind.Element);
        }
    }

    [Fact]
    public void Check_DifferentTrees_ReportsWhereTheyDiffer()
    {
        // The oracle itself must be able to fail: each change to a tree is reported.
        var original = Element("<message><body a='1'>hi</body><x xmlns='urn:x'/></message>");
        Assert.Null(StanzaRoundTrip.Difference(original, original.Clone(), "/", contentNamespacesEquivalent: false));

        var text = Element("<message><body a='1'>ho</body><x xmlns='urn:x'/></message>");
        Assert.Contains("text", StanzaRoundTrip.Difference(original, text, "/", contentNamespacesEquivalent: false), StringComparison.Ordinal);

        var attribute = Element("<message><body a='2'>hi</body><x xmlns='urn:x'/></message>");
        Assert.Contains("attribute", StanzaRoundTrip.Difference(original, attribute, "/", contentNamespacesEquivalent: false), StringComparison.Ordinal);

        var ns = Element("<message><body a='1'>hi</body><x xmlns='urn:y'/></message>");
        Assert.Contains("namespace", StanzaRoundTrip.Difference(original, ns, "/", contentNamespacesEquivalent: false), StringComparison.Ordinal);

        var children = Element("<message><body a='1'>hi</body></message>");
        Assert.Contains("child nodes", StanzaRoundTrip.Difference(original, children, "/", contentNamespacesEquivalent: false), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_ContentNamespaces_AreOneOnlyForTheRoundTrip()
    {
        // RFC 6120 §4.8.3: the writer writes jabber:server as a jabber:client stream's default, so the round trip
        // treats them as one; the whole-versus-split comparison does not.
        var client = new XmppElement("message", Namespaces.Client);
        var server = new XmppElement("message", Namespaces.Server);
        Assert.Null(StanzaRoundTrip.Difference(client, server, "/", contentNamespacesEquivalent: true));
        Assert.NotNull(StanzaRoundTrip.Difference(client, server, "/", contentNamespacesEquivalent: false));
    }

    [Fact]
    public void Check_SplitPoints_CoverEveryByteOnceInOrder()
    {
        var random = new Random(4711);
        for (var i = 0; i < 200; i++)
        {
            var input = new byte[random.Next(0, 300)];
            random.NextBytes(input);
            var chunks = StanzaRoundTrip.SplitPoints(input);
            Assert.Equal(input, chunks.SelectMany(c => c).ToArray());
        }
    }

    private static IEnumerable<string> Files(string folder)
    {
        var directory = Path.Combine(Root, folder);
        return Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory).Where(f => !f.EndsWith(".md", StringComparison.Ordinal)).Order(StringComparer.Ordinal)
            : [];
    }

    private static XmppElement Element(string stanza)
    {
        var input = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>" + stanza;
        var outcome = StanzaRoundTrip.Parse([Encoding.UTF8.GetBytes(input)]);
        Assert.Null(outcome.Error);
        return outcome.Events[1].Event.Element!;
    }
}
