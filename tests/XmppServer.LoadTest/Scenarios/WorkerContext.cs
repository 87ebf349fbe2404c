using System.Collections.Concurrent;
using XmppServer.LoadTest.Cli;
using XmppServer.LoadTest.Client;
using XmppServer.LoadTest.Stats;
using XmppServer.LoadTest.Workers;

namespace XmppServer.LoadTest.Scenarios;

/// <summary>What a scenario's worker half works with.</summary>
internal sealed class WorkerContext
{
    private const int DiagnosticsPerKind = 3;

    private readonly ConcurrentDictionary<string, int> _diagnostics = new();

    public required LoadOptions Options { get; init; }

    public required WorkerLink Link { get; init; }

    public required ClientSettings Settings { get; init; }

    public CounterSet Counters { get; } = new();

    public TimeSpan LoginTimeout => TimeSpan.FromSeconds(Options.LoginTimeout);

    /// <summary>This worker's contiguous share [Start, Start + Count) of <paramref name="total"/> items.</summary>
    public (int Start, int Count) Slice(int total)
    {
        var start = (int)((long)total * Link.Index / Link.Count);
        var end = (int)((long)total * (Link.Index + 1) / Link.Count);
        return (start, end - start);
    }

    /// <summary>Account number of the zero-based user index (user1 is index 0 with --first 1).</summary>
    public int UserNumber(long index) => Options.First + (int)index;

    public WorkerMessage Progress() => new() { Counters = Counters.Counters(), Maxima = Counters.Maxima() };

    /// <summary>Prints the first few problems of each kind to stderr, so a failing run explains itself.</summary>
    public void Diagnose(string kind, string message)
    {
        var seen = _diagnostics.AddOrUpdate(kind, 1, static (_, n) => n + 1);
        if (seen <= DiagnosticsPerKind)
        {
            Console.Error.WriteLine($"loadtest worker {Link.Index}: {kind}: {message}");
        }
    }
}
