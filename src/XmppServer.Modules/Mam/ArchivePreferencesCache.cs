using System.Collections.Concurrent;
using XmppServer.Protocol;

namespace XmppServer.Modules.Mam;

/// <summary>
/// The archiving preferences of recently active accounts, so that archiving a message (twice per message: the
/// sender's archive and the recipient's) does not read them from storage every time. Preferences change only through
/// this module (XEP-0441 set, account deletion), which updates the cache as it writes. One change bypasses it: an
/// account deleted and made again by the command-line tool, in another process, while the server runs; so an entry
/// is also trusted for <see cref="Lifetime"/> only. Bounded: when full, an arbitrary entry makes room; a user whose
/// entry went is read from storage again.
/// </summary>
internal sealed class ArchivePreferencesCache(int capacity, TimeProvider time)
{
    /// <summary>Accounts whose preferences are kept: about 2 MB at most.</summary>
    internal const int DefaultCapacity = 16_384;

    internal static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<Jid, Entry> _entries = new();

    public int Count => _entries.Count;

    public bool TryGet(Jid user, out ArchivePreferences preferences)
    {
        if (_entries.TryGetValue(user, out var entry) && IsFresh(entry))
        {
            preferences = entry.Preferences;
            return true;
        }

        preferences = null!;
        return false;
    }

    /// <summary>
    /// Keeps preferences just read from storage, unless a newer value was set meanwhile: a set that raced this read
    /// has already put its value here, and it wins.
    /// </summary>
    public void AddRead(Jid user, ArchivePreferences preferences)
    {
        MakeRoom();
        var entry = new Entry(preferences, time.GetTimestamp());

        // An expired entry is replaced only if it is still the one that expired: a set since then wins.
        if (!_entries.TryAdd(user, entry) && _entries.TryGetValue(user, out var old) && !IsFresh(old))
        {
            _entries.TryUpdate(user, entry, old);
        }
    }

    /// <summary>Keeps preferences just written to storage, replacing whatever was kept.</summary>
    public void Set(Jid user, ArchivePreferences preferences)
    {
        MakeRoom();
        _entries[user] = new Entry(preferences, time.GetTimestamp());
    }

    public void Remove(Jid user) => _entries.TryRemove(user, out _);

    private bool IsFresh(Entry entry) => time.GetElapsedTime(entry.Stamp) < Lifetime;

    private void MakeRoom()
    {
        // Enumerating a ConcurrentDictionary takes no lock; its first entry is as good a victim as any.
        while (_entries.Count >= capacity)
        {
            using var entries = _entries.GetEnumerator();
            if (!entries.MoveNext())
            {
                return;
            }

            _entries.TryRemove(entries.Current.Key, out _);
        }
    }

    private readonly record struct Entry(ArchivePreferences Preferences, long Stamp);
}
