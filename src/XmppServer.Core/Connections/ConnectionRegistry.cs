using System.Collections.Concurrent;

namespace XmppServer.Core.Connections;

/// <summary>Every open client connection, for the heartbeat (timeouts) and for shutdown.</summary>
internal sealed class ConnectionRegistry
{
    private readonly ConcurrentDictionary<string, C2sConnection> _connections = new();

    public int Count => _connections.Count;

    public IEnumerable<C2sConnection> All => _connections.Values;

    public void Add(C2sConnection connection) => _connections[connection.Id] = connection;

    public void Remove(C2sConnection connection) => _connections.TryRemove(connection.Id, out _);
}
