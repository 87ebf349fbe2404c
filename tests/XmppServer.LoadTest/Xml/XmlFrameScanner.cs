using System.Buffers;

namespace XmppServer.LoadTest.Xml;

/// <summary>
/// Splits an XMPP stream into frames: the stream header, each top-level element, and the stream end. It only tracks
/// tags, quotes and depth; it does not check well-formedness (the server under test is trusted to send XML).
/// Resumable: the bytes of an incomplete frame are scanned once, however many reads it takes to arrive.
/// </summary>
internal sealed class XmlFrameScanner
{
    private State _state;
    private long _scanned;
    private long _frameStart = -1;
    private int _depth;
    private byte _quote;
    private byte _previous;
    private bool _inStream;

    private enum State
    {
        Text,
        TagOpen,
        Declaration,
        StartTag,
        EndTag,
    }

    /// <summary>Forget everything: after STARTTLS and SASL success a new stream starts (RFC 6120 §5.4.3.3, §6.4.6).</summary>
    public void Reset()
    {
        _state = State.Text;
        _scanned = 0;
        _frameStart = -1;
        _depth = 0;
        _quote = 0;
        _previous = 0;
        _inStream = false;
    }

    /// <summary>
    /// Looks for the next frame in <paramref name="buffer"/>, which must start where the previous call's
    /// <paramref name="consumed"/> pointed. Returns false when more bytes are needed; <paramref name="consumed"/> then
    /// marks what may be released (whitespace between frames) and everything was examined.
    /// </summary>
    public bool TryRead(in ReadOnlySequence<byte> buffer, out XmlFrameKind kind, out ReadOnlySequence<byte> frame, out SequencePosition consumed)
    {
        var reader = new SequenceReader<byte>(buffer);
        reader.Advance(_scanned);
        while (!reader.End)
        {
            switch (_state)
            {
                case State.Text:
                    if (!reader.TryAdvanceTo((byte)'<', advancePastDelimiter: true))
                    {
                        reader.AdvanceToEnd();
                        continue;
                    }

                    if (_depth == 0)
                    {
                        _frameStart = reader.Consumed - 1;
                    }

                    _state = State.TagOpen;
                    break;

                case State.TagOpen:
                    reader.TryPeek(out var first);
                    switch (first)
                    {
                        case (byte)'?':
                            _state = State.Declaration;
                            break;
                        case (byte)'/':
                            reader.Advance(1);
                            _state = State.EndTag;
                            break;
                        case (byte)'!':
                            // RFC 6120 §11.1: comments, DTDs and CDATA sections are not allowed in XMPP.
                            throw new InvalidDataException("the server sent a comment, DTD or CDATA section");
                        default:
                            _previous = 0;
                            _quote = 0;
                            _state = State.StartTag;
                            break;
                    }

                    break;

                case State.Declaration:
                    if (!reader.TryAdvanceTo((byte)'>', advancePastDelimiter: true))
                    {
                        reader.AdvanceToEnd();
                        continue;
                    }

                    if (_depth == 0)
                    {
                        _frameStart = -1;
                    }

                    _state = State.Text;
                    break;

                case State.EndTag:
                    if (!reader.TryAdvanceTo((byte)'>', advancePastDelimiter: true))
                    {
                        reader.AdvanceToEnd();
                        continue;
                    }

                    _state = State.Text;
                    if (_depth == 0)
                    {
                        return Complete(buffer, reader.Consumed, XmlFrameKind.StreamEnd, out kind, out frame, out consumed);
                    }

                    if (--_depth == 0)
                    {
                        return Complete(buffer, reader.Consumed, XmlFrameKind.Element, out kind, out frame, out consumed);
                    }

                    break;

                case State.StartTag:
                    reader.TryRead(out var b);
                    if (_quote != 0)
                    {
                        if (b == _quote)
                        {
                            _quote = 0;
                        }
                    }
                    else if (b is (byte)'"' or (byte)'\'')
                    {
                        _quote = b;
                    }
                    else if (b == (byte)'>')
                    {
                        _state = State.Text;
                        var selfClosing = _previous == (byte)'/';
                        if (!_inStream)
                        {
                            // The first start tag of a stream is its header; it stays open until the stream ends.
                            _inStream = true;
                            return Complete(buffer, reader.Consumed, XmlFrameKind.StreamStart, out kind, out frame, out consumed);
                        }

                        if (!selfClosing)
                        {
                            _depth++;
                        }
                        else if (_depth == 0)
                        {
                            return Complete(buffer, reader.Consumed, XmlFrameKind.Element, out kind, out frame, out consumed);
                        }
                    }

                    _previous = b;
                    break;
            }
        }

        _scanned = reader.Consumed;
        if (_frameStart < 0 && _state == State.Text)
        {
            // Only whitespace (keepalives) since the last frame: release it.
            consumed = buffer.End;
            _scanned = 0;
        }
        else if (_frameStart > 0)
        {
            // Release what precedes the frame; offsets become relative to its start.
            consumed = buffer.GetPosition(_frameStart);
            _scanned -= _frameStart;
            _frameStart = 0;
        }
        else
        {
            consumed = buffer.Start;
        }

        kind = default;
        frame = default;
        return false;
    }

    private bool Complete(in ReadOnlySequence<byte> buffer, long end, XmlFrameKind frameKind, out XmlFrameKind kind, out ReadOnlySequence<byte> frame, out SequencePosition consumed)
    {
        var start = _frameStart < 0 ? 0 : _frameStart;
        frame = buffer.Slice(start, end - start);
        consumed = buffer.GetPosition(end);
        kind = frameKind;
        _frameStart = -1;
        _scanned = 0;
        return true;
    }
}
