using XmppServer.Modules.Mam;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Mam;

/// <summary>
/// The <see cref="IArchiveStore"/> contract in memory, for driving the module; the SQLite store is tested against the
/// same contract in the storage tests.
/// </summary>
internal sealed class InMemoryArchiveStore : IArchiveStore
{
    private readonly Lock _lock = new();
    private readonly List<(Jid User, StoredEntry Entry)> _messages = [];
    private readonly Dictionary<Jid, ArchivePreferences> _preferences = [];

    public IReadOnlyList<StoredEntry> Archive(Jid user)
    {
        lock (_lock)
        {
            return _messages.Where(m => m.User == user).Select(m => m.Entry).ToList();
        }
    }

    /// <summary>When set, appends fail as a full disk would.</summary>
    public bool FailAppends { get; set; }

    public ArchiveAppend Append(Jid user, ArchiveEntry entry, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString("N");
        if (FailAppends)
        {
            return new ArchiveAppend(id, Task.FromException(new IOException("disk full")));
        }

        lock (_lock)
        {
            _messages.Add((user, new StoredEntry(id, entry.Peer, entry.Stamp, entry.Stanza.Clone())));
        }

        return new ArchiveAppend(id, Task.CompletedTask);
    }

    public ValueTask<ArchivePage?> QueryAsync(Jid user, ArchiveQuery query, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var archive = _messages.Where(m => m.User == user).Select(m => m.Entry).ToList();
            int IndexOf(string id) => archive.FindIndex(e => e.Id == id);
            var named = new[] { query.AfterId, query.BeforeId, query.PageAfter, query.PageBefore is { Length: > 0 } b ? b : null }
                .Where(id => id is not null)
                .Concat(query.Ids ?? []);
            if (named.Any(id => IndexOf(id!) < 0))
            {
                return ValueTask.FromResult<ArchivePage?>(null);
            }

            var set = archive
                .Where(e => query.With is null || (query.With.IsBare ? e.Peer.Bare == query.With : e.Peer == query.With))
                .Where(e => query.Start is null || e.Stamp >= query.Start)
                .Where(e => query.End is null || e.Stamp <= query.End)
                .Where(e => query.AfterId is null || IndexOf(e.Id) > IndexOf(query.AfterId))
                .Where(e => query.BeforeId is null || IndexOf(e.Id) < IndexOf(query.BeforeId))
                .Where(e => query.Ids is null || query.Ids.Contains(e.Id))
                .ToList();
            var candidates = set
                .Where(e => query.PageAfter is null || IndexOf(e.Id) > IndexOf(query.PageAfter))
                .Where(e => query.PageBefore is not { Length: > 0 } || IndexOf(e.Id) < IndexOf(query.PageBefore))
                .ToList();
            var page = query.IsBackward ? candidates.TakeLast(query.Max).ToList() : candidates.Take(query.Max).ToList();
            var messages = page.Select(e => new ArchivedMessage(e.Id, e.Stamp, e.Stanza.Clone())).ToList();
            int? firstIndex = query.IncludeCount && page.Count > 0 ? set.IndexOf(page[0]) : null;
            return ValueTask.FromResult<ArchivePage?>(
                new ArchivePage(messages, page.Count == candidates.Count, query.IncludeCount ? set.Count : null, firstIndex));
        }
    }

    public ValueTask<ArchiveBounds?> GetBoundsAsync(Jid user, CancellationToken cancellationToken)
    {
        var archive = Archive(user);
        return ValueTask.FromResult(archive.Count == 0
            ? null
            : new ArchiveBounds(archive[0].Id, archive[0].Stamp, archive[^1].Id, archive[^1].Stamp));
    }

    public ValueTask<ArchivePreferences?> GetPreferencesAsync(Jid user, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_preferences.GetValueOrDefault(user));
        }
    }

    public ValueTask SetPreferencesAsync(Jid user, ArchivePreferences preferences, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _preferences[user] = preferences;
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<int> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_messages.RemoveAll(m => m.Entry.Stamp < cutoff));
        }
    }

    public ValueTask DeleteUserAsync(Jid user, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _messages.RemoveAll(m => m.User == user);
            _preferences.Remove(user);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>An archived message with the id this store gave it.</summary>
    public sealed record StoredEntry(string Id, Jid Peer, DateTimeOffset Stamp, XmppElement Stanza);
}
