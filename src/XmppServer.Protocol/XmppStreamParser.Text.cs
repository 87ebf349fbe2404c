using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Unicode;

namespace XmppServer.Protocol;

// Character data and attribute values: UTF-8 validation, references, line ends and attribute value normalisation.
public sealed partial class XmppStreamParser
{
    // The longest reference worth reading: "&#x10FFFF;" and names up to MaxNameBytes, with room for leading zeros.
    private const int MaxNumericReferenceLength = 32;

    /// <summary>
    /// Reads character data up to the next tag and adds it to the open element as one text node: text split by
    /// references and CDATA sections is merged. White space between child elements is kept.
    /// </summary>
    private void ParseContent(ReadOnlySpan<byte> data, ref int pos)
    {
        var rest = data[pos..];
        var index = rest.IndexOfAny(XmlSyntax.TextStopsOrNonAscii);
        if (index < 0)
        {
            ParserThrow.NotWellFormed("Unterminated element.");
        }

        var ascii = rest[index] < 0x80;
        if (!ascii)
        {
            var stop = rest[index..].IndexOfAny(XmlSyntax.TextStops);
            if (stop < 0)
            {
                ParserThrow.NotWellFormed("Unterminated element.");
            }

            index += stop;
        }

        // Fast path: plain text (or none) up to a tag; ASCII needs no transcoding.
        if (rest[index] == '<' && !rest[index..].StartsWith("<![CDATA["u8))
        {
            if (index > 0)
            {
                var text = rest[..index];
                var value = ascii ? Encoding.Latin1.GetString(text) : DecodeNonAscii(text);
                CheckTextLength(value.Length);
                AddChild(new XmppText(value));
            }

            pos += index;
            return;
        }

        ParseMixedContent(data, ref pos);
    }

    private void ParseMixedContent(ReadOnlySpan<byte> data, ref int pos)
    {
        var chars = RentChars(data.Length);
        var count = 0;
        while (true)
        {
            var rest = data[pos..];
            var index = rest.IndexOfAny(XmlSyntax.TextStops);
            if (index < 0)
            {
                ParserThrow.NotWellFormed("Unterminated element.");
            }

            count = AppendUtf8(rest[..index], chars, count);
            pos += index;
            switch (data[pos])
            {
                case (byte)'<':
                    if (!rest[index..].StartsWith("<![CDATA["u8))
                    {
                        if (count > 0)
                        {
                            CheckTextLength(count);
                            AddChild(new XmppText(CreateString(chars, count)));
                        }

                        return;
                    }

                    // RFC 6120 §11.1 leaves CDATA sections allowed; their content is character data as written.
                    pos += 9;
                    var end = data[pos..].IndexOf("]]>"u8);
                    if (end < 0)
                    {
                        ParserThrow.NotWellFormed("Unterminated CDATA section.");
                    }

                    count = AppendCData(data.Slice(pos, end), chars, count);
                    pos += end + 3;
                    break;
                case (byte)'&':
                    count = AppendReference(data, ref pos, chars, count);
                    break;
                case (byte)'\r':
                    // XML 1.0 §2.11: CRLF and lone CR become LF.
                    chars[count++] = '\n';
                    pos++;
                    if (pos < data.Length && data[pos] == '\n')
                    {
                        pos++;
                    }

                    break;
                case (byte)']':
                    // XML 1.0 §2.4: "]]>" may not appear in character data.
                    if (data[pos..].StartsWith("]]>"u8))
                    {
                        ParserThrow.NotWellFormed("']]>' in character data.");
                    }

                    chars[count++] = ']';
                    pos++;
                    break;
                default:
                    ThrowControlCharacter();
                    break;
            }
        }
    }

    // Counted in characters after references and CDATA sections are resolved, as the text will be stored and sent.
    private void CheckTextLength(int length)
    {
        if (length > Options.MaxTextLength)
        {
            ParserThrow.PolicyViolation("Character data is too long.");
        }
    }

    private static int AppendCData(ReadOnlySpan<byte> content, char[] chars, int count)
    {
        while (true)
        {
            var index = content.IndexOfAny(XmlSyntax.CDataStops);
            if (index < 0)
            {
                return AppendUtf8(content, chars, count);
            }

            count = AppendUtf8(content[..index], chars, count);
            if (content[index] != '\r')
            {
                ThrowControlCharacter();
            }

            // XML 1.0 §2.11 applies inside CDATA sections too.
            chars[count++] = '\n';
            index++;
            if (index < content.Length && content[index] == '\n')
            {
                index++;
            }

            content = content[index..];
        }
    }

    /// <summary>An attribute value, normalised as XML 1.0 §3.3.3 says for CDATA attributes (there is no DTD).</summary>
    private string DecodeAttributeValue(ReadOnlySpan<byte> value)
    {
        var index = value.IndexOfAny(XmlSyntax.AttributeValueStopsOrNonAscii);
        if (index < 0)
        {
            return Encoding.Latin1.GetString(value); // ASCII
        }

        if (value[index] >= 0x80)
        {
            var stop = value[index..].IndexOfAny(XmlSyntax.AttributeValueStops);
            if (stop < 0)
            {
                return DecodeNonAscii(value);
            }

            index += stop;
        }

        var chars = RentChars(value.Length);
        var count = 0;
        var pos = 0;
        while (true)
        {
            count = AppendUtf8(value.Slice(pos, index), chars, count);
            pos += index;
            switch (value[pos])
            {
                case (byte)'&':
                    count = AppendReference(value, ref pos, chars, count);
                    break;
                case (byte)'<':
                    ParserThrow.NotWellFormed("'<' in an attribute value.");
                    break;
                case (byte)'\r':
                    // XML 1.0 §2.11 then §3.3.3: CRLF becomes one LF, which becomes one space.
                    chars[count++] = ' ';
                    pos++;
                    if (pos < value.Length && value[pos] == '\n')
                    {
                        pos++;
                    }

                    break;
                case (byte)'\t':
                case (byte)'\n':
                    // XML 1.0 §3.3.3: each white space character becomes a space.
                    chars[count++] = ' ';
                    pos++;
                    break;
                default:
                    ThrowControlCharacter();
                    break;
            }

            index = value[pos..].IndexOfAny(XmlSyntax.AttributeValueStops);
            if (index < 0)
            {
                count = AppendUtf8(value[pos..], chars, count);
                return CreateString(chars, count);
            }
        }
    }

    /// <summary>A namespace name from an xmlns attribute, interned when written without references.</summary>
    private string DecodeNamespace(ReadOnlySpan<byte> value)
    {
        if (value.ContainsAny(XmlSyntax.AttributeValueStops))
        {
            return DecodeAttributeValue(value);
        }

        var hash = NameTable.Hash(value);
        if (_names.TryGetValue(value, hash, out var ns))
        {
            return ns;
        }

        ns = DecodeUtf8(value);
        _names.Add(value, hash, ns);
        return ns;
    }

    /// <summary>Strict UTF-8 to string: invalid sequences (overlongs, surrogates, beyond U+10FFFF, truncated) are
    /// not-well-formed, never replaced. The caller has excluded the forbidden C0 controls.</summary>
    private static string DecodeUtf8(ReadOnlySpan<byte> utf8)
    {
        return utf8.ContainsAnyInRange((byte)0x80, (byte)0xFF) ? DecodeNonAscii(utf8) : Encoding.Latin1.GetString(utf8);
    }

    private static string DecodeNonAscii(ReadOnlySpan<byte> utf8)
    {
        if (!Utf8.IsValid(utf8))
        {
            ThrowInvalidUtf8();
        }

        var value = Encoding.UTF8.GetString(utf8);
        CheckNonCharacters(value);
        return value;
    }

    private static int AppendUtf8(ReadOnlySpan<byte> utf8, char[] chars, int count)
    {
        if (utf8.IsEmpty)
        {
            return count;
        }

        var status = Utf8.ToUtf16(utf8, chars.AsSpan(count), out _, out var written, replaceInvalidSequences: false);
        if (status != OperationStatus.Done)
        {
            ThrowInvalidUtf8();
        }

        return count + written;
    }

    /// <summary>Decodes the reference at <paramref name="pos"/> ('&amp;') and appends its character.</summary>
    private int AppendReference(ReadOnlySpan<byte> data, ref int pos, char[] chars, int count)
    {
        var rest = data[(pos + 1)..];
        var maxLength = Math.Max(Options.MaxNameBytes, MaxNumericReferenceLength) + 1;
        var window = rest.Length > maxLength ? rest[..maxLength] : rest;
        var length = window.IndexOf((byte)';');
        if (length <= 0)
        {
            ParserThrow.NotWellFormed("Malformed reference.");
        }

        var body = window[..length];
        pos += length + 2;
        if (body[0] == '#')
        {
            // XML 1.0 §4.1 [66] CharRef, referring to a Char (WFC: Legal Character).
            var c = ParseCharacterReference(body[1..]);
            if (!XmlSyntax.IsXmlChar(c))
            {
                ParserThrow.NotWellFormed("A character reference refers to a character XML does not allow.");
            }

            return count + new Rune(c).EncodeToUtf16(chars.AsSpan(count));
        }

        // XML 1.0 §4.6: the five predefined entities.
        char predefined;
        if (body.SequenceEqual("lt"u8))
        {
            predefined = '<';
        }
        else if (body.SequenceEqual("gt"u8))
        {
            predefined = '>';
        }
        else if (body.SequenceEqual("amp"u8))
        {
            predefined = '&';
        }
        else if (body.SequenceEqual("quot"u8))
        {
            predefined = '"';
        }
        else if (body.SequenceEqual("apos"u8))
        {
            predefined = '\'';
        }
        else
        {
            if (XmlSyntax.IsName(body))
            {
                // RFC 6120 §11.1: no entities beyond the predefined ones.
                ParserThrow.RestrictedXml("Entity references other than the predefined ones are not allowed.");
            }

            ParserThrow.NotWellFormed("Malformed reference.");
            return count;
        }

        chars[count] = predefined;
        return count + 1;
    }

    // Returns the code point, or -1 when the digits are malformed or the value is beyond Unicode.
    private static int ParseCharacterReference(ReadOnlySpan<byte> digits)
    {
        var hex = !digits.IsEmpty && digits[0] == 'x';
        if (hex)
        {
            digits = digits[1..];
        }

        if (digits.IsEmpty)
        {
            return -1;
        }

        var value = 0;
        foreach (var b in digits)
        {
            int digit;
            if (b is >= (byte)'0' and <= (byte)'9')
            {
                digit = b - '0';
            }
            else if (hex && b is >= (byte)'a' and <= (byte)'f')
            {
                digit = b - 'a' + 10;
            }
            else if (hex && b is >= (byte)'A' and <= (byte)'F')
            {
                digit = b - 'A' + 10;
            }
            else
            {
                return -1;
            }

            value = (value * (hex ? 16 : 10)) + digit;
            if (value > 0x10FFFF)
            {
                return -1;
            }
        }

        return value;
    }

    private char[] RentChars(int length)
    {
        // UTF-16 never needs more code units than the UTF-8 it comes from has bytes (references shrink too), so
        // one buffer as long as the element serves every text run and attribute value in it.
        if (_chars is null || _chars.Length < length)
        {
            if (_chars is not null)
            {
                ArrayPool<char>.Shared.Return(_chars);
            }

            _chars = ArrayPool<char>.Shared.Rent(length);
        }

        return _chars;
    }

    private static string CreateString(char[] chars, int count)
    {
        var span = chars.AsSpan(0, count);
        if (span.ContainsAnyInRange('\uFFFE', '\uFFFF'))
        {
            ThrowNonCharacter();
        }

        return new string(span);
    }

    private static void CheckNonCharacters(string value)
    {
        if (value.AsSpan().ContainsAnyInRange('\uFFFE', '\uFFFF'))
        {
            ThrowNonCharacter();
        }
    }

    // XML 1.0 §2.2: U+FFFE and U+FFFF are not characters.
    [DoesNotReturn]
    private static void ThrowNonCharacter() => ParserThrow.NotWellFormed("U+FFFE and U+FFFF are not allowed in XML.");

    [DoesNotReturn]
    private static void ThrowInvalidUtf8() => ParserThrow.NotWellFormed("Invalid UTF-8.");

    // XML 1.0 §2.2: of the C0 controls only tab, line feed and carriage return are characters.
    [DoesNotReturn]
    private static void ThrowControlCharacter() => ParserThrow.NotWellFormed("A control character XML does not allow.");
}
