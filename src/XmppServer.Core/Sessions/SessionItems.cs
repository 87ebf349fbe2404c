namespace XmppServer.Core;

/// <summary>Typed per-session state for modules, so that the core needs to know nothing of what they keep.</summary>
/// <remarks>
/// A session holds a handful of items at most, and most hold none: a copy-on-write array costs nothing until the
/// first item and a few words per item after, where a concurrent dictionary per session would cost a kilobyte on every
/// idle connection. Readers never lock; writers swap in a new array with a compare-and-swap.
/// </remarks>
public sealed class SessionItems
{
    private Entry[] _items = [];

    public T? Get<T>()
        where T : class
        => Find(Volatile.Read(ref _items), typeof(T)) is { } value ? (T)value : null;

    /// <summary>The item of type <typeparamref name="T"/>, added from <paramref name="factory"/> when missing. As with
    /// ConcurrentDictionary.GetOrAdd, the factory may run more than once under a race; one result wins.</summary>
    public T GetOrAdd<T>(Func<T> factory)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(factory);
        while (true)
        {
            var current = Volatile.Read(ref _items);
            if (Find(current, typeof(T)) is { } existing)
            {
                return (T)existing;
            }

            var value = factory();
            if (Interlocked.CompareExchange(ref _items, [.. current, new Entry(typeof(T), value)], current) == current)
            {
                return value;
            }
        }
    }

    public void Set<T>(T value)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(value);
        while (true)
        {
            var current = Volatile.Read(ref _items);
            Entry[] next = [.. Without(current, typeof(T)), new Entry(typeof(T), value)];
            if (Interlocked.CompareExchange(ref _items, next, current) == current)
            {
                return;
            }
        }
    }

    public bool Remove<T>()
        where T : class
    {
        while (true)
        {
            var current = Volatile.Read(ref _items);
            if (Find(current, typeof(T)) is null)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _items, Without(current, typeof(T)), current) == current)
            {
                return true;
            }
        }
    }

    private static object? Find(Entry[] items, Type key)
    {
        foreach (var item in items)
        {
            if (item.Key == key)
            {
                return item.Value;
            }
        }

        return null;
    }

    private static Entry[] Without(Entry[] items, Type key) => Array.FindAll(items, item => item.Key != key);

    private readonly record struct Entry(Type Key, object Value);
}
