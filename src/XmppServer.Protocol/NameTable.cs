using System.Numerics;
using System.Text;

namespace XmppServer.Protocol;

/// <summary>
/// Cache from UTF-8 bytes to strings for names, prefixes and namespace URIs, so that a stanza's vocabulary costs no
/// allocation once seen. The well-known vocabulary sits in one table shared by every parser (filled once, then only
/// read, so safe across threads); what else a stream uses goes into a small table of the parser's own, made on the
/// first such name. An idle connection then holds no table at all: with tens of thousands of connections, a copy of
/// the well-known names per parser would cost more than the rest of the parser. The parser's own table is bounded
/// twice over, so hostile input can neither grow it nor slow it down: at most <see cref="MaxEntries"/> entries, and
/// at most <see cref="MaxChainLength"/> per hash bucket (a name that would lengthen a chain further is simply not
/// cached). The hash is FNV-1a from a per-process random basis; the parser computes it while scanning a name.
/// </summary>
internal sealed class NameTable
{
    /// <summary>Most entries one parser caches beyond the shared vocabulary.</summary>
    public const int MaxEntries = 1024;

    /// <summary>Longer strings are not cached: names are short, and long URIs are rare.</summary>
    public const int MaxEntryBytes = 256;

    /// <summary>Most entries in one bucket: a lookup never compares more strings than this.</summary>
    public const int MaxChainLength = 8;

    public const uint FnvPrime = 16777619;

    /// <summary>The FNV-1a offset basis, randomised per process.</summary>
    public static readonly uint HashBasis = 2166136261 ^ (uint)Random.Shared.Next();

    /// <summary>Capacity of a parser's own table when it is made; it doubles as names arrive.</summary>
    private const int InitialLocalCapacity = 16;

    // Well-known vocabulary, shared by every parser.
    private static readonly Table Shared = Table.Create(
    [
        "stream", "message", "presence", "iq", "body", "subject", "thread", "error", "text", "query", "item", "group",
        "show", "status", "priority", "c", "x", "bind", "resource", "jid", "session", "auth", "response", "success",
        "starttls", "proceed", "enable", "enabled", "r", "a", "ping", "active", "composing", "paused", "request",
        "received", "html", "p", "lang", "id", "type", "to", "from", "version", "xmlns", "xml", "name", "subscription",
        "inactive", "delay", "stamp", "hash", "node", "ver", "feature", "identity", "category", "var", "value", "field",
        "set", "max", "after", "before", "first", "last", "count", "result", "forwarded", "stanza-id", "origin-id", "by",
        "h", "resume", "resumed", "previd", "markable", "displayed", "store", "no-store", "no-copy", "private", "sent",
        "encrypted", "header", "key", "iv", "payload", "rid", "sid", "prekey", "gone", "finished", "fin", "complete",
        Namespaces.Xml, Namespaces.Streams, Namespaces.Client, Namespaces.Server, Namespaces.StreamErrors,
        Namespaces.Stanzas, Namespaces.Tls, Namespaces.Sasl, Namespaces.Bind, Namespaces.Session, Namespaces.Roster,
        Namespaces.DiscoInfo, Namespaces.DiscoItems, Namespaces.DataForms, Namespaces.Ping, Namespaces.Caps,
        Namespaces.Delay, "http://jabber.org/protocol/chatstates", "urn:xmpp:receipts", "urn:xmpp:sm:3",
        "http://jabber.org/protocol/xhtml-im", "http://www.w3.org/1999/xhtml", "vcard-temp:x:update",
        "urn:xmpp:mam:2", "urn:xmpp:sid:0", "urn:xmpp:forward:0", "urn:xmpp:carbons:2", "urn:xmpp:hints",
        "urn:xmpp:chat-markers:0", "urn:xmpp:csi:0", "jabber:x:data", "http://jabber.org/protocol/rsm",
        "eu.siacs.conversations.axolotl", "urn:xmpp:ping", "jabber:iq:version", "urn:xmpp:time",
    ]);

    private Table? _local;

    /// <summary>Entries this parser cached beyond the shared vocabulary; for tests.</summary>
    public int Count => _local?.Count ?? 0;

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
        => Shared.TryGetValue(utf8, hash, out value) || (_local is { } local && local.TryGetValue(utf8, hash, out value));

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

    /// <summary>Caches a string the caller looked up and did not find.</summary>
    public void Add(ReadOnlySpan<byte> utf8, uint hash, string value)
    {
        if (utf8.Length > MaxEntryBytes)
        {
            return;
        }

        var local = _local ??= new Table(InitialLocalCapacity);
        if (local.Count < MaxEntries)
        {
            local.TryAdd(utf8.ToArray(), hash, value);
        }
    }

    /// <summary>A chained hash table of UTF-8 keys; grows by doubling, and refuses a key that would make a chain too long.</summary>
    private sealed class Table(int capacity)
    {
        private int[] _buckets = new int[capacity * 2];
        private Entry[] _entries = new Entry[capacity];

        public int Count { get; private set; }

        public static Table Create(string[] values)
        {
            var distinct = values.Distinct(StringComparer.Ordinal).ToArray();
            var table = new Table((int)BitOperations.RoundUpToPowerOf2((uint)distinct.Length));
            foreach (var value in distinct)
            {
                var utf8 = Encoding.UTF8.GetBytes(value);
                table.TryAdd(utf8, Hash(utf8), value);
            }

            return table;
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

        public void TryAdd(byte[] utf8, uint hash, string value)
        {
            if (ChainLength(hash) >= MaxChainLength)
            {
                return;
            }

            if (Count == _entries.Length)
            {
                Grow();
            }

            AddEntry(new Entry { Hash = hash, Utf8 = utf8, Value = value });
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
            _entries[Count] = entry;
            Count++;
            bucket = Count;
        }

        private void Grow()
        {
            var entries = _entries;
            var count = Count;
            _entries = new Entry[entries.Length * 2];
            _buckets = new int[_entries.Length * 2];
            Count = 0;
            for (var i = 0; i < count; i++)
            {
                AddEntry(entries[i]);
            }
        }
    }

    private struct Entry
    {
        public uint Hash;
        public int Next;
        public byte[] Utf8;
        public string Value;
    }
}
