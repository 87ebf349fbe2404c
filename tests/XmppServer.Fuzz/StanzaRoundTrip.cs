using System.Buffers;
using System.Text;
using XmppServer.Protocol;

namespace XmppServer.Fuzz;

/// <summary>
/// The fuzz target and its oracle, shared by the AFL harness, its replay mode and the unit tests that replay the
/// corpus and the regressions. For one input it checks that
/// <list type="number">
/// <item><description>the parser, given the bytes all at once in one segment, either yields events or throws
/// <see cref="XmppStreamException"/>: any other exception escapes and is a crash;</description></item>
/// <item><description>given the same bytes as a socket would deliver them (split into segments at offsets derived
/// from the input, arriving one after another, the unconsumed part given again with more bytes), it yields the same
/// events and the same stream error;</description></item>
/// <item><description>every complete top-level element, written with <see cref="XmppWriter"/> on a stream like the
/// one it came from and parsed again, gives the same tree (names, namespaces, attributes, text), and writing that
/// tree again gives the same bytes.</description></item>
/// </list>
/// A broken promise throws <see cref="RoundTripMismatchException"/>.
/// </summary>
public static class StanzaRoundTrip
{
    private const string ContentNamespaceClient = "jabber:client";
    private const string ContentNamespaceServer = "jabber:server";

    /// <summary>
    /// The limits the fuzzer runs with: lower than the server's, so that inputs of a few hundred bytes reach every
    /// limit check (size, depth, attributes, name length) as well as the code that runs within them.
    /// </summary>
    public static XmppParserOptions FuzzOptions() => new()
    {
        MaxStanzaBytes = 1024,
        MaxStanzaBytesBeforeAuthentication = 1024,
        MaxDepth = 16,
        MaxAttributes = 16,
        MaxNameBytes = 64,
    };

    // The writer may make an element longer than it came (escapes, declarations, the stream: and ns0: prefixes, an
    // inherited xml:lang made explicit): the second parse must not fail on a limit the first one was within.
    private static XmppParserOptions ReparseOptions() => new()
    {
        MaxStanzaBytes = 1 << 24,
        MaxStanzaBytesBeforeAuthentication = 1 << 24,
        MaxDepth = 64,
        MaxAttributes = 1024,
        MaxNameBytes = 1024,
    };

    /// <summary>Runs every check on <paramref name="input"/>; returns what the whole-input parse saw.</summary>
    public static Outcome Check(ReadOnlySpan<byte> input)
    {
        var bytes = input.ToArray();
        var whole = Parse([bytes]);
        var split = Parse(SplitPoints(bytes));
        CompareOutcomes(whole, split);

        foreach (var parsed in whole.Events)
        {
            if (parsed.Event.Kind == XmppStreamEventKind.Element)
            {
                CheckRoundTrip(parsed.Event.Element!, parsed.ContentNamespace, parsed.StreamLanguage);
            }
        }

        return whole;
    }

    /// <summary>
    /// Feeds <paramref name="chunks"/> to a new parser the way the connection's read loop does: each chunk is a new
    /// segment arriving after the previous ones, and the parser is given everything from its last consumed position
    /// to the end of what has arrived, until it asks for more.
    /// </summary>
    public static Outcome Parse(IReadOnlyList<byte[]> chunks)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        var parser = new XmppStreamParser(FuzzOptions());
        var events = new List<ParsedEvent>();
        if (chunks.Count == 0)
        {
            return new Outcome(events, null);
        }

        var all = Segment.Chain(chunks);
        var consumed = all.Start;
        long arrived = 0;
        try
        {
            foreach (var chunk in chunks)
            {
                arrived += chunk.Length;
                var end = all.GetPosition(arrived);
                while (true)
                {
                    var buffer = all.Slice(consumed, end);
                    if (!parser.TryParse(buffer, out var position, out var streamEvent))
                    {
                        break;
                    }

                    consumed = position;
                    events.Add(new ParsedEvent(streamEvent, parser.ContentNamespace, parser.StreamLanguage));
                }
            }
        }
        catch (XmppStreamException ex)
        {
            return new Outcome(events, ex.Condition);
        }

        return new Outcome(events, null);
    }

    /// <summary>
    /// Where the input is cut into arriving chunks: a function of the input, so each input is replayed exactly, and
    /// the fuzzer reaches one-byte reads, short reads, long reads and a single cut by changing the bytes.
    /// </summary>
    public static IReadOnlyList<byte[]> SplitPoints(byte[] input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var chunks = new List<byte[]>();
        if (input.Length == 0)
        {
            return chunks;
        }

        var hash = 2166136261u;
        foreach (var b in input)
        {
            hash = (hash ^ b) * 16777619u;
        }

        var state = hash | 1u;
        var mode = hash >> 30;
        var offset = 0;
        if (mode == 3)
        {
            var cut = (int)(hash % (uint)(input.Length + 1));
            chunks.Add(input[..cut]);
            chunks.Add(input[cut..]);
            return chunks;
        }

        var maxChunk = mode switch { 0 => 1, 1 => 8, _ => 64 };
        while (offset < input.Length)
        {
            // xorshift32: cheap and deterministic.
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            var length = Math.Min(input.Length - offset, 1 + (int)(state % (uint)maxChunk));
            chunks.Add(input[offset..(offset + length)]);
            offset += length;
        }

        return chunks;
    }

    /// <summary>Writes <paramref name="element"/> as it would go on a stream like its own, parses it again and
    /// compares.</summary>
    public static void CheckRoundTrip(XmppElement element, string? contentNamespace, string? streamLanguage)
    {
        ArgumentNullException.ThrowIfNull(element);
        var inScope = contentNamespace ?? string.Empty;
        var first = Write(element, inScope);
        var reparsed = Reparse(first, inScope, streamLanguage, element);

        var difference = Difference(element, reparsed, "/", contentNamespacesEquivalent: true);
        if (difference is not null)
        {
            throw new RoundTripMismatchException(
                $"Written and parsed again, the element differs at {difference}.\n  original: {element}\n  written:  {Encoding.UTF8.GetString(first)}\n  reparsed: {reparsed}");
        }

        var second = Write(reparsed, inScope);
        if (!first.AsSpan().SequenceEqual(second))
        {
            throw new RoundTripMismatchException(
                $"Writing the reparsed element gives other bytes.\n  first:  {Encoding.UTF8.GetString(first)}\n  second: {Encoding.UTF8.GetString(second)}");
        }
    }

    private static byte[] Write(XmppElement element, string inScope)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        XmppWriter.WriteElement(buffer, element, inScope);
        return buffer.WrittenSpan.ToArray();
    }

    private static XmppElement Reparse(byte[] stanza, string inScope, string? streamLanguage, XmppElement original)
    {
        var buffer = new ArrayBufferWriter<byte>(stanza.Length + 256);
        XmppWriter.WriteStreamHeader(buffer, inScope, from: null, to: null, id: null, lang: streamLanguage);
        XmppWriter.WriteRaw(buffer, stanza);
        XmppWriter.WriteStreamEnd(buffer);

        var parser = new XmppStreamParser(ReparseOptions());
        parser.MaxStanzaBytes = ReparseOptions().MaxStanzaBytes;
        var sequence = new ReadOnlySequence<byte>(buffer.WrittenMemory);
        var events = new List<XmppStreamEvent>();
        try
        {
            while (parser.TryParse(sequence, out var consumed, out var streamEvent))
            {
                events.Add(streamEvent);
                sequence = sequence.Slice(consumed);
            }
        }
        catch (XmppStreamException ex)
        {
            throw new RoundTripMismatchException(
                $"The writer's output is rejected by the parser ({ex.Condition}: {ex.Message}).\n  original: {original}\n  written:  {Encoding.UTF8.GetString(buffer.WrittenSpan)}");
        }

        if (events.Count != 3 || events[0].Kind != XmppStreamEventKind.StreamStart || events[1].Kind != XmppStreamEventKind.Element
            || events[2].Kind != XmppStreamEventKind.StreamEnd)
        {
            throw new RoundTripMismatchException(
                $"The writer's output parses as {events.Count} events ({string.Join(", ", events.Select(e => e.Kind))}), not one element.\n  original: {original}\n  written:  {Encoding.UTF8.GetString(buffer.WrittenSpan)}");
        }

        return events[1].Element!;
    }

    private static void CompareOutcomes(Outcome whole, Outcome split)
    {
        var count = Math.Min(whole.Events.Count, split.Events.Count);
        for (var i = 0; i < count; i++)
        {
            var a = whole.Events[i];
            var b = split.Events[i];
            if (a.Event.Kind != b.Event.Kind)
            {
                throw new RoundTripMismatchException($"Event {i} is {a.Event.Kind} in one segment but {b.Event.Kind} when split.");
            }

            if (a.ContentNamespace != b.ContentNamespace || a.StreamLanguage != b.StreamLanguage)
            {
                throw new RoundTripMismatchException($"After event {i} the stream's namespace or language differs when split.");
            }

            if (a.Event.Element is { } x && b.Event.Element is { } y && Difference(x, y, "/", contentNamespacesEquivalent: false) is { } difference)
            {
                throw new RoundTripMismatchException($"Event {i} differs at {difference} when split.\n  whole: {x}\n  split: {y}");
            }
        }

        if (whole.Events.Count != split.Events.Count || whole.Error != split.Error)
        {
            throw new RoundTripMismatchException(
                $"In one segment: {whole.Events.Count} events, error {whole.Error?.ToString() ?? "none"}; split: {split.Events.Count} events, error {split.Error?.ToString() ?? "none"}.");
        }
    }

    /// <summary>Where two trees first differ, or null. Attributes are compared in order: the writer keeps it.</summary>
    public static string? Difference(XmppElement a, XmppElement b, string path, bool contentNamespacesEquivalent)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        path += a.Name;
        if (a.Name != b.Name)
        {
            return $"{path}: name '{a.Name}' vs '{b.Name}'";
        }

        if (!SameNamespace(a.Namespace, b.Namespace, contentNamespacesEquivalent))
        {
            return $"{path}: namespace '{a.Namespace}' vs '{b.Namespace}'";
        }

        if (a.Attributes.Count != b.Attributes.Count)
        {
            return $"{path}: {a.Attributes.Count} attributes vs {b.Attributes.Count}";
        }

        for (var i = 0; i < a.Attributes.Count; i++)
        {
            if (a.Attributes[i] != b.Attributes[i])
            {
                return $"{path}: attribute {i} {Describe(a.Attributes[i])} vs {Describe(b.Attributes[i])}";
            }
        }

        if (a.Nodes.Count != b.Nodes.Count)
        {
            return $"{path}: {a.Nodes.Count} child nodes vs {b.Nodes.Count}";
        }

        for (var i = 0; i < a.Nodes.Count; i++)
        {
            switch (a.Nodes[i], b.Nodes[i])
            {
                case (XmppElement x, XmppElement y):
                    if (Difference(x, y, $"{path}[{i}]/", contentNamespacesEquivalent) is { } inner)
                    {
                        return inner;
                    }

                    break;
                case (XmppText x, XmppText y):
                    if (x.Value != y.Value)
                    {
                        return $"{path}[{i}]: text {Quote(x.Value)} vs {Quote(y.Value)}";
                    }

                    break;
                default:
                    return $"{path}[{i}]: {a.Nodes[i].GetType().Name} vs {b.Nodes[i].GetType().Name}";
            }
        }

        return null;
    }

    // RFC 6120 §4.8.3: jabber:client and jabber:server are the one content namespace seen from two kinds of stream,
    // and the writer deliberately writes either as the receiving stream's default.
    private static bool SameNamespace(string a, string b, bool contentNamespacesEquivalent)
        => a == b || (contentNamespacesEquivalent && a is ContentNamespaceClient or ContentNamespaceServer && b is ContentNamespaceClient or ContentNamespaceServer);

    private static string Describe(XmppAttribute attribute) => $"{{{attribute.Namespace}}}{attribute.Name}={Quote(attribute.Value)}";

    private static string Quote(string value)
    {
        var builder = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            if (c < 0x20 || c is '"' or '\\' || char.IsSurrogate(c) || c >= 0x7F)
            {
                builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.Append('"').ToString();
    }

    /// <summary>One event and the stream's namespace and language once it was parsed.</summary>
    public readonly record struct ParsedEvent(XmppStreamEvent Event, string? ContentNamespace, string? StreamLanguage);

    /// <summary>The events of one parse, and the stream error that ended it, if any.</summary>
    public sealed record Outcome(IReadOnlyList<ParsedEvent> Events, StreamErrorCondition? Error);

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        private Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public static ReadOnlySequence<byte> Chain(IReadOnlyList<byte[]> chunks)
        {
            var first = new Segment(chunks[0], 0);
            var last = first;
            for (var i = 1; i < chunks.Count; i++)
            {
                var next = new Segment(chunks[i], last.RunningIndex + last.Memory.Length);
                last.Next = next;
                last = next;
            }

            return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
        }
    }
}

/// <summary>The parser and writer disagree, or the parser gives different results for the same bytes.</summary>
public sealed class RoundTripMismatchException : Exception
{
    public RoundTripMismatchException()
    {
    }

    public RoundTripMismatchException(string message)
        : base(message)
    {
    }

    public RoundTripMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
