using System.Numerics;
using System.Text;

namespace XmppServer.Protocol;

/// <summary>
/// Per-parser cache from UTF-8 bytes to strings for names, prefixes and namespace URIs, so that a stanza's
/// vocabulary costs no allocation once seen. It is bounded: a peer sending ever new names only fills it, after which
/// misses are simply not cached. Hashes are seeded per process (<see cref="HashCode"/>), so collisions cannot be
/// precomputed.
/// </summary>
internal sealed class NameTable
{
    /// <summary>Most entries one parser caches.</summary>
    public const int MaxEntries = 1024;

    /// <summary>Longer strings are not cached: names are short, and long URIs are rare.</summary>
    public const int MaxEntryBytes = 256;

    private const int InitialCapacity = 64;

    // Well-known vocabulary, shared by every parser; the table is filled with it up front.
    private static readonly (byte[] Utf8, string Value)[] Seed = CreateSeed(
    [
        "stream", "message", "presence", "iq", "body", "subject", "thread", "error", "text", "query", "item", "group",
        "show", "status", "priority", "c", "x", "bind", "resource", "jid", "session", "auth", "response", "success",
        "starttls", "proceed", "enable", "enabled", "r", "a", "ping", "active", "composing", "paused", "request",
        "received", "html", "p", "lang", "id", "type", "to", "from", "version", "xmlns",
        Namespaces.Xml, Namespaces.Streams, Namespaces.Client, Namespaces.Server, Namespaces.StreamErrors,
        Namespaces.Stanzas, Namespaces.Tls, Namespaces.Sasl, Namespaces.Bind, Namespaces.Session, Namespaces.Roster,
        Namespaces.DiscoInfo, Namespaces.DiscoItems, Namespaces.DataForms, Namespaces.Ping, Namespaces.Caps,
        Namespaces.Delay, "http://jabber.org/protocol/chatstates", "urn:xmpp:receipts", "urn:xmpp:sm:3",
        "http://jabber.org/protocol/xhtml-im", "http://www.w3.org/1999/xhtml", "vcard-temp:x:update",
    ]);

    private int[] _buckets;
    private Entry[] _entries;
    private int _count;

    public NameTable()
    {
        var capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(InitialCapacity, Seed.Length * 2));
        _buckets = new int[capacity * 2];
        _entries = new Entry[capacity];
        foreach (var (utf8, value) in Seed)
        {
            Add(utf8, value);
        }
    }

    /// <summary>Entries currently cached; for tests.</summary>
    public int Count => _count;

    public bool TryGetValue(ReadOnlySpan<byte> utf8, out string value) => TryGetValue(utf8, Hash(utf8), out value);

    /// <summary>The cached string for <paramref name="utf8"/>, creating (and caching, if there is room) it on a miss.
    /// The caller has validated the bytes as UTF-8.</summary>
    public string GetOrAdd(ReadOnlySpan<byte> utf8)
    {
        var hash = Hash(utf8);
        if (TryGetValue(utf8, hash, out var value))
        {
            return value;
        }

        value = Encoding.UTF8.GetString(utf8);
        Add(utf8, hash, value);
        return value;
    }

    public void Add(ReadOnlySpan<byte> utf8, string value) => Add(utf8, Hash(utf8), value);

    private static int Hash(ReadOnlySpan<byte> utf8)
    {
        var hash = default(HashCode);
        hash.AddBytes(utf8);
        return hash.ToHashCode();
    }

    private bool TryGetValue(ReadOnlySpan<byte> utf8, int hash, out string value)
    {
        var index = _buckets[hash & (_buckets.Length - 1)] - 1;
        while (index >= 0)
        {
            ref var entry = ref _entries[index];
            if (entry.Hash == hash && utf8.SequenceEqual(entry.Utf8))
            {
                value = entry.Value;
                return true;
            }

            index = entry.Next;
        }

        value = string.Empty;
        return false;
    }

    private void Add(ReadOnlySpan<byte> utf8, int hash, string value)
    {
        if (utf8.Length > MaxEntryBytes || _count >= MaxEntries)
        {
            return;
        }

        if (_count == _entries.Length)
        {
            Grow();
        }

        AddEntry(new Entry { Hash = hash, Utf8 = utf8.ToArray(), Value = value });
    }

    private void Add(byte[] utf8, string value) => AddEntry(new Entry { Hash = Hash(utf8), Utf8 = utf8, Value = value });

    private void AddEntry(Entry entry)
    {
        ref var bucket = ref _buckets[entry.Hash & (_buckets.Length - 1)];
        entry.Next = bucket - 1;
        _entries[_count] = entry;
        _count++;
        bucket = _count;
    }

    private void Grow()
    {
        var entries = _entries;
        var count = _count;
        _entries = new Entry[entries.Length * 2];
        _buckets = new int[_entries.Length * 2];
        _count = 0;
        for (var i = 0; i < count; i++)
        {
            AddEntry(entries[i]);
        }
    }

    private static (byte[] Utf8, string Value)[] CreateSeed(string[] values)
        => [.. values.Distinct().Select(v => (Encoding.UTF8.GetBytes(v), v))];

    private struct Entry
    {
        public int Hash;
        public int Next;
        public byte[] Utf8;
        public string Value;
    }
}
