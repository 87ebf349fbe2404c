using XmppServer.Modules.Offline;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Offline;

/// <summary>
/// The IOfflineStore contract in memory, for module tests (the SQLite implementation has its own tests). Loads return
/// copies, as a real store parses fresh elements each time.
/// </summary>
internal sealed class InMemoryOfflineStore : IOfflineStore
{
    private readonly Lock _lock = new();
    private readonly List<(Jid User, OfflineMessage Message)> _messages = [];
    private long _nextId;

    public int LoadCount { get; private set; }

    /// <summary>When set, StoreAsync throws it (a failing database).</summary>
    public Exception? StoreFailure { get; set; }

    public ValueTask<OfflineStoreResult> StoreAsync(Jid user, XmppElement message, DateTimeOffset stamp, int maxPerUser, CancellationToken cancellationToken)
    {
        if (StoreFailure is not null)
        {
            throw StoreFailure;
        }

        lock (_lock)
        {
            if (_messages.Count(m => m.User == user) >= maxPerUser)
            {
                return ValueTask.FromResult(OfflineStoreResult.Full);
            }

            _messages.Add((user, new OfflineMessage(++_nextId, message.Clone(), stamp)));
            return ValueTask.FromResult(OfflineStoreResult.Stored);
        }
    }

    /// <summary>When set, a load waits for it before reading (a slow database, to hold a flush half-way).</summary>
    public Task? LoadGate { get; set; }

    public async ValueTask<IReadOnlyList<OfflineMessage>> LoadAsync(Jid user, CancellationToken cancellationToken)
    {
        if (LoadGate is { } gate)
        {
            await gate;
        }

        return Load(user);
    }

    private IReadOnlyList<OfflineMessage> Load(Jid user)
    {
        lock (_lock)
        {
            LoadCount++;
            IReadOnlyList<OfflineMessage> list = _messages
                .Where(m => m.User == user)
                .Select(m => m.Message with { Stanza = m.Message.Stanza.Clone() })
                .ToList();
            return list;
        }
    }

    public ValueTask RemoveAsync(Jid user, IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _messages.RemoveAll(m => m.User == user && ids.Contains(m.Message.Id));
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<int> CountAsync(Jid user, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_messages.Count(m => m.User == user));
        }
    }

    public ValueTask DeleteAllAsync(Jid user, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _messages.RemoveAll(m => m.User == user);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Puts a message in the store directly, as if an earlier sender had been stored.</summary>
    public void Seed(Jid user, XmppElement message, DateTimeOffset stamp)
    {
        lock (_lock)
        {
            _messages.Add((user, new OfflineMessage(++_nextId, message.Clone(), stamp)));
        }
    }
}
