using System.Collections.Concurrent;

namespace XmppServer.Core;

/// <summary>Typed per-session state for modules, so that the core needs to know nothing of what they keep.</summary>
public sealed class SessionItems
{
    private readonly ConcurrentDictionary<Type, object> _items = new();

    public T? Get<T>()
        where T : class
        => _items.TryGetValue(typeof(T), out var value) ? (T)value : null;

    public T GetOrAdd<T>(Func<T> factory)
        where T : class
        => (T)_items.GetOrAdd(typeof(T), static (_, f) => f(), factory);

    public void Set<T>(T value)
        where T : class
        => _items[typeof(T)] = value;

    public bool Remove<T>()
        where T : class
        => _items.TryRemove(typeof(T), out _);
}
