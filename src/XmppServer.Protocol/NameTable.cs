using System.Numerics;
using System.Text;

namespace XmppServer.Protocol;

/// <summary>
/// Per-parser cache from UTF-8 bytes to strings for names, prefixes and namespace URIs, so that a stanza's
/// vocabulary costs no allocation once seen. Bounded twice over, so hostile input can neither grow it nor slow it
/// down: at most <see cref="MaxEntries"/> entries, and at most <see cref="MaxChainLength"/> per hash bucket (a
/// name that would lengthen a chain further is simply not cached). The hash is FNV-1a from a per-process random
/// basis; the parser computes it while scanning a name.
/// </summary>
internal sealed class NameTable
{
    /// <summary>Most entries one parser caches.</summary>
    public const int MaxEntries = 1024;

    /// <summary>Longer strings are not cached: names are short, and long URIs are rare.</summary>
    public const int MaxEntryBytes = 256;

    /// <summary>Most entries in one bucket: a lookup never compares more strings than this.</summary>
    public const int MaxChainLength = 8;

    public const uint FnvPrime = 16777619;

    /// <summary>The FNV-1a offset basis, randomised per process.</summary>
    public static readonly uint HashBasis = 2166136261 ^ (uint)Random.Shared.Next();

    private const int InitialCapacity = 64;

    // Well-known vocabulary, shared by every parser; the table is filled with it up front.
    private static readonly (byte[] Utf8, string Value)[] Seed = CreateSeed(
    [
        "stream", "message", "presence", "iq", "body", "subject", "thread", "error", "text", "query", "item", "group",
        "show", "status", "priority", "c", "x", "bind", "resource", "jid", "session", "auth", "response", "success",
        "starttls", "proceed", "enable", "enabled", "r", "a", "ping", "active", "composing", "paused", "request",
        "received", "html", "p", "lang", "id", "type", "to", "from", "version", "xmlns", "xml", "name", "subscription",
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
            AddEntry(new Entry { Hash = Hash(utf8), Utf8 = utf8, Value = value });
        }
    }

    /// <summary>Entries currently cached; for tests.</summary>
    public int Count => _count;

    /// <summary>FNV-1a of <paramref name="utf8"/>, as the parser computes it inline.</summary>
    public static uint Hash(ReadOnlySpan<byte> utf8)
    {
        var hash = HashBasis;
        foreach (var b in utf8)
        {
            hash = (hash ^ b) * FnvPrime;
        }

        return hash;
    }

    public bool TryGetValue(ReadOnlySpan<byte> utf8, uint hash, out string value)
    {
        var index = _buckets[(int)(hash & (uint)(_buckets.Length - 1))] - 1;
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

    /// <summary>The cached string for <paramref name="utf8"/> (whose <see cref="Hash"/> is <paramref name="hash"/>),
    /// created and cached, if there is room, on a miss. The caller has validated the bytes; they are ASCII when
    /// <paramref name="ascii"/>.</summary>
    public string GetOrAdd(ReadOnlySpan<byte> utf8, uint hash, bool ascii)
    {
        if (TryGetValue(utf8, hash, out var value))
        {
            return value;
        }

        value = ascii ? Encoding.Latin1.GetString(utf8) : Encoding.UTF8.GetString(utf8);
        Add(utf8, hash, value);
        return value;
    }

    public void Add(ReadOnlySpan<byte> utf8, uint hash, string value)
    {
        if (utf8.Length > MaxEntryBytes || _count >= MaxEntries || ChainLength(hash) >= MaxChainLength)
        {
            return;
        }

        if (_count == _entries.Length)
        {
            Grow();
        }

        AddEntry(new Entry { Hash = hash, Utf8 = utf8.ToArray(), Value = value });
    }

    private int ChainLength(uint hash)
    {
        var length = 0;
        for (var index = _buckets[(int)(hash & (uint)(_buckets.Length - 1))] - 1; index >= 0; index = _entries[index].Next)
        {
            length++;
        }

        return length;
    }

    private void AddEntry(Entry entry)
    {
        ref var bucket = ref _buckets[(int)(entry.Hash & (uint)(_buckets.Length - 1))];
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
        public uint Hash;
        public int Next;
        public byte[] Utf8;
        public string Value;
    }
}
