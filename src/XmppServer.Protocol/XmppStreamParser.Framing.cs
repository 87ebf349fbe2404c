using System.Buffers;

namespace XmppServer.Protocol;

// Stage one: a resumable byte-level framer. It keeps its lexer state, the depth and the count of bytes already
// scanned of the pending event across calls, so an element arriving in many reads is scanned once (SE.Redis
// RespScanState). It only finds where an event ends and rejects what it can cheaply see on the way; the tree
// builder (stage two) checks everything else on the complete bytes.
public sealed partial class XmppStreamParser
{
    // FNV-1a, for comparing end tags with start tags without keeping their bytes. A collision cannot let a bad
    // document through: the tree builder compares the names byte for byte.
    private const ulong FnvOffset = 14695981039346656037;
    private const ulong FnvPrime = 1099511628211;

    private static ReadOnlySpan<byte> Utf8ByteOrderMark => [0xEF, 0xBB, 0xBF];

    private FramerState _state;
    private long _scanned;        // bytes of the buffer (counted from the last consumed position) already scanned
    private long _elementStart;   // where the pending event's size is counted from
    private long _headerTagStart; // the stream header's '<' (after any byte order mark and XML declaration)
    private long _totalScanned;   // over the parser's life; lets tests prove that nothing is scanned twice
    private int _depth;           // open elements of the pending top-level element
    private int _attributeCount;  // attribute values seen in the current start tag
    private int _nameLength;
    private ulong _nameHash;
    private ulong _headerNameHash;
    private ulong[] _openNames = new ulong[16];
    private int _matchIndex;      // progress through a fixed token: byte order mark, "xml", "CDATA[", "]]>"
    private byte _quote;
    private bool _declarationAllowed;
    private bool _headerSeen;
    private bool _streamEnded;
    private bool _failed;

    public XmppStreamParser(XmppParserOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        MaxStanzaBytes = options.MaxStanzaBytesBeforeAuthentication;
    }

    /// <summary>Bytes the framer has examined since the parser was created; each byte of input counts once.</summary>
    internal long TotalScannedBytes => _totalScanned;

    /// <summary>
    /// Parses the next event from <paramref name="buffer"/>. Returns false when more bytes are needed; on true,
    /// <paramref name="consumed"/> is the position just past the event.
    /// </summary>
    public bool TryParse(in ReadOnlySequence<byte> buffer, out SequencePosition consumed, out XmppStreamEvent streamEvent)
    {
        if (_failed)
        {
            throw new InvalidOperationException("The stream already failed; reset the parser before reusing it.");
        }

        try
        {
            return TryParseCore(buffer, out consumed, out streamEvent);
        }
        catch (XmppStreamException)
        {
            _failed = true;
            throw;
        }
    }

    /// <summary>
    /// Forgets all state: the next bytes start a new stream (after STARTTLS or SASL success, RFC 6120 §5.4.3.3, §6.4.6).
    /// <see cref="MaxStanzaBytes"/> is kept, since the connection may raise it before or after the restart.
    /// </summary>
    public void Reset()
    {
        _state = FramerState.StreamStart;
        _scanned = 0;
        _elementStart = 0;
        _headerTagStart = 0;
        _depth = 0;
        _attributeCount = 0;
        _nameLength = 0;
        _nameHash = 0;
        _headerNameHash = 0;
        _matchIndex = 0;
        _quote = 0;
        _declarationAllowed = false;
        _headerSeen = false;
        _streamEnded = false;
        _failed = false;
        ResetNamespaces();
        ContentNamespace = null;
        StreamLanguage = null;
    }

    private bool TryParseCore(in ReadOnlySequence<byte> buffer, out SequencePosition consumed, out XmppStreamEvent streamEvent)
    {
        consumed = buffer.Start;
        streamEvent = default;
        if (_scanned >= buffer.Length)
        {
            return false;
        }

        var position = _scanned == 0 ? buffer.Start : buffer.GetPosition(_scanned);
        while (true)
        {
            var segmentStart = position;
            if (!buffer.TryGet(ref position, out var memory))
            {
                return false;
            }

            var span = memory.Span;
            var index = 0;
            while (index < span.Length)
            {
                // Kestrel's TrimAndTakeStartLine: never look past the limit, so an oversized element fails as soon
                // as its first byte beyond the limit has arrived, complete or not, and nothing beyond is buffered.
                var room = _elementStart + MaxStanzaBytes - _scanned;
                if (room <= 0)
                {
                    ThrowTooLarge();
                }

                var chunk = span[index..];
                if (chunk.Length > room)
                {
                    chunk = chunk[..(int)room];
                }

                var result = Scan(chunk, out var used);
                index += used;
                _scanned += used;
                _totalScanned += used;

                switch (result)
                {
                    case ScanResult.NeedMore:
                    case ScanResult.ElementStarted:
                        break;
                    case ScanResult.DeclarationComplete:
                        CheckDeclaration(buffer.Slice(_headerTagStart, _scanned - _headerTagStart));
                        break;
                    default:
                        var end = buffer.GetPosition(index, segmentStart);
                        streamEvent = CompleteEvent(result, buffer, end);
                        consumed = end;
                        return true;
                }
            }
        }
    }

    private XmppStreamEvent CompleteEvent(ScanResult result, in ReadOnlySequence<byte> buffer, SequencePosition end)
    {
        XmppStreamEvent streamEvent;
        switch (result)
        {
            case ScanResult.HeaderComplete:
                var header = BuildHeader(buffer.Slice(_headerTagStart, end));
                _headerSeen = true;
                streamEvent = new XmppStreamEvent(XmppStreamEventKind.StreamStart, header);
                break;
            case ScanResult.ElementComplete:
                streamEvent = new XmppStreamEvent(XmppStreamEventKind.Element, BuildStanza(buffer.Slice(_elementStart, end)));
                break;
            default:
                _streamEnded = true;
                streamEvent = new XmppStreamEvent(XmppStreamEventKind.StreamEnd, null);
                break;
        }

        _state = FramerState.BetweenElements;
        _scanned = 0;
        _elementStart = 0;
        _depth = 0;
        return streamEvent;
    }

    private void ThrowTooLarge()
    {
        if (_state == FramerState.BetweenElements)
        {
            ParserThrow.PolicyViolation("Too much white space between stanzas.");
        }

        ParserThrow.PolicyViolation(_headerSeen ? "The stanza exceeds the size limit." : "The stream header exceeds the size limit.");
    }

    /// <summary>
    /// Advances the lexer over <paramref name="span"/>, which starts at offset <see cref="_scanned"/>. Stops early
    /// when the caller has something to do; <paramref name="used"/> is the number of bytes taken.
    /// </summary>
    private ScanResult Scan(ReadOnlySpan<byte> span, out int used)
    {
        var i = 0;
        while (i < span.Length)
        {
            switch (_state)
            {
                case FramerState.Text:
                    {
                        var index = span[i..].IndexOf((byte)'<');
                        if (index < 0)
                        {
                            i = span.Length;
                            break;
                        }

                        i += index + 1;
                        _state = FramerState.TagOpen;
                        break;
                    }

                case FramerState.StartTag:
                    {
                        var index = span[i..].IndexOfAny(XmlSyntax.StartTagStops);
                        if (index < 0)
                        {
                            i = span.Length;
                            break;
                        }

                        i += index;
                        var b = span[i++];
                        if (b is (byte)'\'' or (byte)'"')
                        {
                            // One quoted value per attribute. Counted here as well as in the builder, so a flood of
                            // attributes fails before it is buffered.
                            if (++_attributeCount > Options.MaxAttributes)
                            {
                                ParserThrow.PolicyViolation("Too many attributes on one element.");
                            }

                            _quote = b;
                            _state = FramerState.AttributeValue;
                        }
                        else if (b == '/')
                        {
                            _state = FramerState.StartTagSlash;
                        }
                        else if (b == '>')
                        {
                            if (!_headerSeen)
                            {
                                used = i;
                                return ScanResult.HeaderComplete;
                            }

                            _depth++;
                            _state = FramerState.Text;
                        }
                        else
                        {
                            ParserThrow.NotWellFormed("'<' inside a tag.");
                        }

                        break;
                    }

                case FramerState.AttributeValue:
                    {
                        var index = span[i..].IndexOfAny(_quote, (byte)'<');
                        if (index < 0)
                        {
                            i = span.Length;
                            break;
                        }

                        i += index;
                        if (span[i] == '<')
                        {
                            // XML 1.0 §3.1 [10] AttValue: '<' is not allowed in attribute values.
                            ParserThrow.NotWellFormed("'<' in an attribute value.");
                        }

                        i++;
                        _state = FramerState.StartTag;
                        break;
                    }

                case FramerState.StartTagName:
                case FramerState.EndTagName:
                    i += ScanName(span[i..]);
                    break;

                case FramerState.TagOpen:
                    ScanTagOpen(span[i]);
                    i++;
                    break;

                case FramerState.StartTagSlash:
                    if (span[i++] != '>')
                    {
                        ParserThrow.NotWellFormed("'/' inside a start tag.");
                    }

                    if (!_headerSeen)
                    {
                        ParserThrow.NotWellFormed("The stream header must not be an empty element.");
                    }

                    if (_depth == 0)
                    {
                        used = i;
                        return ScanResult.ElementComplete;
                    }

                    _state = FramerState.Text;
                    break;

                case FramerState.EndTag:
                    {
                        var b = span[i++];
                        if (XmlSyntax.IsWhitespace(b))
                        {
                            break;
                        }

                        if (b != '>')
                        {
                            ParserThrow.NotWellFormed("Unexpected character in an end tag.");
                        }

                        if (_depth == 0)
                        {
                            used = i;
                            return ScanResult.StreamEndComplete;
                        }

                        if (--_depth == 0)
                        {
                            used = i;
                            return ScanResult.ElementComplete;
                        }

                        _state = FramerState.Text;
                        break;
                    }

                case FramerState.BetweenElements:
                    {
                        var index = span[i..].IndexOfAnyExcept(XmlSyntax.Whitespace);
                        if (index < 0)
                        {
                            i = span.Length;
                            break;
                        }

                        i += index;
                        if (span[i] != '<')
                        {
                            // RFC 6120 §4.2, §11.1: the stream's children are elements; only white space may come between.
                            ParserThrow.NotWellFormed("Character data outside of a stanza.");
                        }

                        if (_streamEnded)
                        {
                            ParserThrow.NotWellFormed("Data after the end of the stream.");
                        }

                        _elementStart = _scanned + i;
                        i++;
                        _state = FramerState.TagOpen;
                        used = i;
                        return ScanResult.ElementStarted;
                    }

                case FramerState.MarkupDeclaration:
                    ScanMarkupDeclaration(span[i]);
                    i++;
                    break;

                case FramerState.CDataOpen:
                    if (span[i++] != "CDATA["u8[_matchIndex])
                    {
                        ParserThrow.NotWellFormed("Malformed CDATA section.");
                    }

                    if (++_matchIndex == 6)
                    {
                        _matchIndex = 0;
                        _state = FramerState.CData;
                    }

                    break;

                case FramerState.CData:
                    i += ScanCData(span[i..]);
                    break;

                default:
                    if (ScanProlog(span[i], _scanned + i))
                    {
                        used = i + 1;
                        return ScanResult.DeclarationComplete;
                    }

                    i++;
                    break;
            }
        }

        used = i;
        return ScanResult.NeedMore;
    }

    /// <summary>
    /// Hashes name bytes; at the first byte that cannot be in a name, finishes the name and leaves that byte
    /// unscanned. Only white space, '/' and '&gt;' may end an element name.
    /// </summary>
    private int ScanName(ReadOnlySpan<byte> span)
    {
        // Look no further than the longest allowed name, so a huge name fails without being scanned in full.
        var budget = Options.MaxNameBytes - _nameLength + 1;
        var window = span.Length > budget ? span[..budget] : span;
        // Names are short: a scalar loop that hashes as it goes beats a vectorised search plus a second pass.
        var classes = XmlSyntax.NameClasses;
        var hash = _nameHash;
        var length = 0;
        while (length < window.Length && classes[window[length]] != XmlSyntax.NotName)
        {
            hash = (hash ^ window[length]) * FnvPrime;
            length++;
        }

        var index = length < window.Length ? length : -1;

        _nameHash = hash;
        _nameLength += length;
        if (_nameLength > Options.MaxNameBytes)
        {
            ParserThrow.PolicyViolation("An element name is too long.");
        }

        if (index < 0)
        {
            return length;
        }

        if (_nameLength == 0)
        {
            ParserThrow.NotWellFormed("Missing element name.");
        }

        var delimiter = window[index];
        if (_state == FramerState.StartTagName)
        {
            if (!XmlSyntax.IsWhitespace(delimiter) && delimiter is not ((byte)'/' or (byte)'>'))
            {
                ParserThrow.NotWellFormed("Unexpected character after an element name.");
            }

            StartTagNameComplete();
        }
        else
        {
            if (!XmlSyntax.IsWhitespace(delimiter) && delimiter != '>')
            {
                ParserThrow.NotWellFormed("Unexpected character in an end tag.");
            }

            EndTagNameComplete();
        }

        return length;
    }

    private void StartTagNameComplete()
    {
        _attributeCount = 0;
        _state = FramerState.StartTag;
        if (!_headerSeen)
        {
            _headerNameHash = _nameHash;
            return;
        }

        // The stanza itself is depth 1; opening an element below MaxDepth open ones is too deep.
        if (_depth >= Options.MaxDepth)
        {
            ParserThrow.PolicyViolation("Elements are nested too deeply.");
        }

        if (_depth == _openNames.Length)
        {
            Array.Resize(ref _openNames, _openNames.Length * 2);
        }

        _openNames[_depth] = _nameHash;
    }

    private void EndTagNameComplete()
    {
        // XML 1.0 §3 WFC Element Type Match; at depth 0 the end tag closes the stream (RFC 6120 §4.4).
        var expected = _depth == 0 ? _headerNameHash : _openNames[_depth - 1];
        if (_nameHash != expected)
        {
            ParserThrow.NotWellFormed("An end tag does not match its start tag.");
        }

        _state = FramerState.EndTag;
    }

    private void ScanTagOpen(byte b)
    {
        var declarationAllowed = _declarationAllowed;
        _declarationAllowed = false;
        switch (b)
        {
            case (byte)'/':
                if (!_headerSeen)
                {
                    ParserThrow.NotWellFormed("An end tag before the stream header.");
                }

                BeginName(FramerState.EndTagName);
                break;
            case (byte)'!':
                _state = FramerState.MarkupDeclaration;
                break;
            case (byte)'?':
                // XML 1.0 §2.8: the XML declaration may only come first. RFC 6120 §11.1: any other processing
                // instruction is restricted XML.
                if (!declarationAllowed)
                {
                    ParserThrow.RestrictedXml("Processing instructions are not allowed.");
                }

                _matchIndex = 0;
                _state = FramerState.DeclarationTarget;
                break;
            default:
                BeginName(FramerState.StartTagName);
                ScanNameStart(b);
                break;
        }
    }

    private void BeginName(FramerState state)
    {
        _state = state;
        _nameHash = FnvOffset;
        _nameLength = 0;
    }

    // The byte after '<' has been taken by ScanTagOpen; it is the first byte of the name.
    private void ScanNameStart(byte b)
    {
        if (XmlSyntax.NameClasses[b] == XmlSyntax.NotName)
        {
            ParserThrow.NotWellFormed("Missing element name.");
        }

        _nameHash = (_nameHash ^ b) * FnvPrime;
        _nameLength = 1;
    }

    private void ScanMarkupDeclaration(byte b)
    {
        if (b == '-')
        {
            // RFC 6120 §11.1: comments are restricted XML.
            ParserThrow.RestrictedXml("Comments are not allowed.");
        }

        if (b is >= (byte)'A' and <= (byte)'Z')
        {
            // RFC 6120 §11.1: DTDs (<!DOCTYPE, <!ENTITY, ...) are restricted XML.
            ParserThrow.RestrictedXml("Document type declarations are not allowed.");
        }

        if (b == '[' && _headerSeen && _depth > 0)
        {
            // RFC 6120 §11.1 does not restrict CDATA sections: they are character data.
            _matchIndex = 0;
            _state = FramerState.CDataOpen;
            return;
        }

        ParserThrow.NotWellFormed("Malformed markup declaration.");
    }

    private int ScanCData(ReadOnlySpan<byte> span)
    {
        var i = 0;
        while (i < span.Length)
        {
            if (_matchIndex == 0)
            {
                var index = span[i..].IndexOf((byte)']');
                if (index < 0)
                {
                    return span.Length;
                }

                i += index + 1;
                _matchIndex = 1;
                continue;
            }

            var b = span[i++];
            if (b == ']')
            {
                _matchIndex = 2;
            }
            else if (b == '>' && _matchIndex == 2)
            {
                _matchIndex = 0;
                _state = FramerState.Text;
                return i;
            }
            else
            {
                _matchIndex = 0;
            }
        }

        return i;
    }

    /// <summary>The states before the stream header, byte by byte; they see a few bytes per stream.</summary>
    private bool ScanProlog(byte b, long offset)
    {
        switch (_state)
        {
            case FramerState.StreamStart:
                if (offset == 0 && b == 0xEF)
                {
                    _matchIndex = 1;
                    _state = FramerState.ByteOrderMark;
                    return false;
                }

                if (offset == 0 && b is 0xFE or 0xFF or 0x00)
                {
                    // RFC 6120 §11.6: UTF-8 only; this is a UTF-16 or UTF-32 byte order mark or '<'.
                    ParserThrow.UnsupportedEncoding("Only UTF-8 is supported.");
                }

                if (b == '<')
                {
                    // Only here, at the very start or just after a byte order mark, may the XML declaration come.
                    _headerTagStart = offset;
                    _declarationAllowed = true;
                    _state = FramerState.TagOpen;
                    return false;
                }

                _state = FramerState.Prolog;
                ScanProlog(b, offset);
                return false;

            case FramerState.ByteOrderMark:
                // RFC 6120 §11.6 allows a UTF-8 byte order mark (EF BB BF) before the header.
                if (b != Utf8ByteOrderMark[_matchIndex])
                {
                    ParserThrow.NotWellFormed("Malformed byte order mark.");
                }

                if (++_matchIndex == 3)
                {
                    _matchIndex = 0;
                    _state = FramerState.StreamStart;
                }

                return false;

            case FramerState.Prolog:
                if (b == '<')
                {
                    _headerTagStart = offset;
                    _state = FramerState.TagOpen;
                }
                else if (!XmlSyntax.IsWhitespace(b))
                {
                    ParserThrow.NotWellFormed("Character data before the stream header.");
                }

                return false;

            case FramerState.DeclarationTarget:
                // "<?xml" followed by white space; any other target is a processing instruction.
                if (_matchIndex < 3 ? b != "xml"u8[_matchIndex] : !XmlSyntax.IsWhitespace(b))
                {
                    ParserThrow.RestrictedXml("Processing instructions are not allowed.");
                }

                if (++_matchIndex == 4)
                {
                    _matchIndex = 0;
                    _state = FramerState.Declaration;
                }

                return false;

            case FramerState.Declaration:
                if (b == '?')
                {
                    _state = FramerState.DeclarationQuestion;
                }

                return false;

            default: // DeclarationQuestion
                if (b == '>')
                {
                    _state = FramerState.Prolog;
                    return true;
                }

                if (b != '?')
                {
                    _state = FramerState.Declaration;
                }

                return false;
        }
    }
}
