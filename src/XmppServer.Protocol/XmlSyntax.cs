using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;

namespace XmppServer.Protocol;

/// <summary>Character classes of XML 1.0 (Fifth Edition) and Namespaces in XML 1.0, as the parser needs them.</summary>
internal static class XmlSyntax
{
    // XML 1.0 §2.3 [3]: S ::= (#x20 | #x9 | #xD | #xA)+
    public static readonly SearchValues<byte> Whitespace = SearchValues.Create(" \t\r\n"u8);

    // Bytes that may appear in a name: the ASCII NameChars plus every non-ASCII byte (validated separately).
    public static readonly SearchValues<byte> NameBytes = SearchValues.Create(CreateNameBytes());

    // Where the framer stops inside an element name.
    public static readonly SearchValues<byte> NameDelimiters = SearchValues.Create(" \t\r\n/>=<'\""u8);

    // Where the framer stops inside a start tag (outside attribute values).
    public static readonly SearchValues<byte> StartTagStops = SearchValues.Create("'\"/><"u8);

    // Where character data needs attention: markup, references, line ends (XML 1.0 §2.11), "]]>" (§2.4) and the
    // C0 controls XML 1.0 §2.2 forbids.
    public static readonly SearchValues<byte> TextStops = SearchValues.Create(CreateStops("<&\r]"u8));

    // Attribute values: references, '<' (forbidden, §3.1), white space to normalise (§3.3.3) and forbidden controls.
    public static readonly SearchValues<byte> AttributeValueStops = SearchValues.Create(CreateStops("&<\t\n\r"u8));

    // CDATA sections: only line ends and forbidden controls matter inside.
    public static readonly SearchValues<byte> CDataStops = SearchValues.Create(CreateStops("\r"u8));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    /// <summary>XML 1.0 §2.2 [2] Char.</summary>
    public static bool IsXmlChar(int c)
        => c is 0x9 or 0xA or 0xD
            or (>= 0x20 and <= 0xD7FF)
            or (>= 0xE000 and <= 0xFFFD)
            or (>= 0x10000 and <= 0x10FFFF);

    /// <summary>XML 1.0 §2.3 [4] NameStartChar, without ':' (Namespaces in XML §3: NCName).</summary>
    public static bool IsNameStartChar(int c)
        => c is (>= 'A' and <= 'Z') or '_' or (>= 'a' and <= 'z')
            or (>= 0xC0 and <= 0xD6) or (>= 0xD8 and <= 0xF6) or (>= 0xF8 and <= 0x2FF)
            or (>= 0x370 and <= 0x37D) or (>= 0x37F and <= 0x1FFF) or (>= 0x200C and <= 0x200D)
            or (>= 0x2070 and <= 0x218F) or (>= 0x2C00 and <= 0x2FEF) or (>= 0x3001 and <= 0xD7FF)
            or (>= 0xF900 and <= 0xFDCF) or (>= 0xFDF0 and <= 0xFFFD) or (>= 0x10000 and <= 0xEFFFF);

    /// <summary>XML 1.0 §2.3 [4a] NameChar, without ':'.</summary>
    public static bool IsNameChar(int c)
        => IsNameStartChar(c)
            || c is '-' or '.' or (>= '0' and <= '9') or 0xB7 or (>= 0x300 and <= 0x36F) or (>= 0x203F and <= 0x2040);

    /// <summary>
    /// Checks that <paramref name="name"/> (already delimited by <see cref="NameBytes"/>) is a QName
    /// (Namespaces in XML §4): one or two NCNames joined by a single colon. Returns the colon index or -1.
    /// </summary>
    public static int ValidateQName(ReadOnlySpan<byte> name)
    {
        var colon = name.IndexOf((byte)':');
        if (colon == 0 || colon == name.Length - 1 || (colon > 0 && name[(colon + 1)..].Contains((byte)':')))
        {
            ParserThrow.NotWellFormed("A name is not a valid qualified name.");
        }

        if (name.ContainsAnyInRange((byte)0x80, (byte)0xFF))
        {
            ValidateNonAsciiName(name, colon);
        }
        else if (!IsNameStartChar(name[0]) || (colon > 0 && !IsNameStartChar(name[colon + 1])))
        {
            ParserThrow.NotWellFormed("A name starts with a character that cannot start a name.");
        }

        return colon;
    }

    /// <summary>True when <paramref name="name"/> is an XML Name (used to tell an undefined entity from garbage).</summary>
    public static bool IsName(ReadOnlySpan<byte> name)
    {
        var start = true;
        while (!name.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(name, out var rune, out var consumed) != OperationStatus.Done)
            {
                return false;
            }

            var ok = start ? IsNameStartChar(rune.Value) || rune.Value == ':' : IsNameChar(rune.Value) || rune.Value == ':';
            if (!ok)
            {
                return false;
            }

            start = false;
            name = name[consumed..];
        }

        return !start;
    }

    private static void ValidateNonAsciiName(ReadOnlySpan<byte> name, int colon)
    {
        var index = 0;
        while (index < name.Length)
        {
            if (Rune.DecodeFromUtf8(name[index..], out var rune, out var consumed) != OperationStatus.Done)
            {
                ParserThrow.NotWellFormed("A name is not valid UTF-8.");
            }

            var start = index == 0 || index == colon + 1;
            var ok = index == colon || (start ? IsNameStartChar(rune.Value) : IsNameChar(rune.Value));
            if (!ok)
            {
                ParserThrow.NotWellFormed("A name contains a character not allowed in names.");
            }

            index += consumed;
        }
    }

    private static byte[] CreateNameBytes()
    {
        var bytes = new List<byte>();
        for (var b = 0; b < 256; b++)
        {
            if (b >= 0x80 || b is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '.' or '_' or ':')
            {
                bytes.Add((byte)b);
            }
        }

        return [.. bytes];
    }

    private static byte[] CreateStops(ReadOnlySpan<byte> specials)
    {
        var bytes = new List<byte>(specials.ToArray());
        for (var b = 0; b < 0x20; b++)
        {
            // XML 1.0 §2.2: of the C0 controls only tab, line feed and carriage return are characters.
            if (b is not ('\t' or '\n' or '\r'))
            {
                bytes.Add((byte)b);
            }
        }

        return [.. bytes.Distinct()];
    }
}
