using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace XmppServer.LoadTest.Stats;

/// <summary>Named counters and maxima, updated from any thread, copied into worker messages.</summary>
internal sealed class CounterSet
{
    private readonly ConcurrentDictionary<string, StrongBox<long>> _counters = new();
    private readonly ConcurrentDictionary<string, StrongBox<long>> _maxima = new();

    public void Increment(string name, long by = 1) => Interlocked.Add(ref Box(_counters, name).Value, by);

    public long Get(string name) => _counters.TryGetValue(name, out var box) ? Interlocked.Read(ref box.Value) : 0;

    public void Max(string name, long value)
    {
        var box = Box(_maxima, name);
        var current = Interlocked.Read(ref box.Value);
        while (value > current)
        {
            var previous = Interlocked.CompareExchange(ref box.Value, value, current);
            if (previous == current)
            {
                return;
            }

            current = previous;
        }
    }

    public Dictionary<string, long> Counters() => _counters.ToDictionary(p => p.Key, p => Interlocked.Read(ref p.Value.Value));

    public Dictionary<string, long> Maxima() => _maxima.ToDictionary(p => p.Key, p => Interlocked.Read(ref p.Value.Value));

    private static StrongBox<long> Box(ConcurrentDictionary<string, StrongBox<long>> set, string name)
        => set.GetOrAdd(name, static _ => new StrongBox<long>(0));
}
