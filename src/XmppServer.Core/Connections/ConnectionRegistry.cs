using System.Collections.Concurrent;

namespace XmppServer.Core.Connections;

/// <summary>
/// Every open client connection, for the heartbeat (timeouts) and for shutdown; and every connection handler still
/// running (a connection leaves <see cref="All"/> when its teardown starts, but its session is settled only when the
/// handler returns), so that shutdown can wait until each session has been ended or stored.
/// </summary>
internal sealed class ConnectionRegistry
{
    private readonly ConcurrentDictionary<string, C2sConnection> _connections = new();
    private readonly ConcurrentDictionary<C2sConnection, TaskCompletionSource> _running = new();
    private readonly Lock _acceptLock = new();
    private bool _stopped;

    public int Count => _connections.Count;

    /// <summary>
    /// The open connections, enumerated without a lock or a copy (a connection added or removed meanwhile may or may
    /// not be seen). ConcurrentDictionary.Values takes every lock and copies all values into a new array: the
    /// heartbeat asks each second, and with 20,000 connections that was a large-object allocation a second.
    /// </summary>
    public IEnumerable<C2sConnection> All
    {
        get
        {
            foreach (var pair in _connections)
            {
                yield return pair.Value;
            }
        }
    }

    public void Add(C2sConnection connection) => _connections[connection.Id] = connection;

    public void Remove(C2sConnection connection) => _connections.TryRemove(connection.Id, out _);

    /// <summary>A handler starts; false once shutdown has begun, when no new connection is served.</summary>
    public bool TryBeginRun(C2sConnection connection)
    {
        lock (_acceptLock)
        {
            if (_stopped)
            {
                return false;
            }

            _running[connection] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return true;
        }
    }

    /// <summary>A handler returned: its connection is closed and its session ended, hibernating or stored.</summary>
    public void EndRun(C2sConnection connection)
    {
        if (_running.TryRemove(connection, out var done))
        {
            done.TrySetResult();
        }
    }

    /// <summary>Shutdown: from now on connections are refused. Returns a task that completes when every handler returned.</summary>
    public Task StopAccepting()
    {
        lock (_acceptLock)
        {
            _stopped = true;
        }

        return Task.WhenAll(_running.Values.Select(run => run.Task));
    }
}
