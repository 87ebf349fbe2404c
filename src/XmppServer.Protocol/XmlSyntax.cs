using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;

namespace XmppServer.Protocol;

/// <summary>Character classes of XML 1.0 (Fifth Edition) and Namespaces in XML 1.0, as the parser needs them.</summary>
internal static class XmlSyntax
{
    // XML 1.0 §2.3 [3]: S ::= (#x20 | #x9 | #xD | #xA)+
    public static readonly SearchValues<byte> Whitespace = SearchValues.Create(" \t\r\n"u8);

    // Classes of bytes in names (XML 1.0 §2.3, Namespaces in XML §4), for scanning a QName in one pass.
    public const byte NotName = 0;     // ends the name
    public const byte NameStart = 1;   // A-Z a-z _
    public const byte NameOnly = 2;    // 0-9 - .  (not at the start)
    public const byte Colon = 3;       // separates prefix and local part
    public const byte NonAscii = 4;    // part of a multi-byte character, validated separately

    public static readonly byte[] NameClasses = CreateNameClasses();

    // Where the framer stops inside a start tag (outside attribute values).
    public static readonly SearchValues<byte> StartTagStops = SearchValues.Create("'\"/><"u8);

    // Where character data needs attention: markup, references, line ends (XML 1.0 §2.11), "]]>" (§2.4) and the
    // C0 controls XML 1.0 §2.2 forbids.
    public static readonly SearchValues<byte> TextStops = SearchValues.Create(CreateStops("<&\r]"u8, nonAscii: false));

    // The same, plus non-ASCII bytes: plain ASCII text becomes a string without transcoding.
    public static readonly SearchValues<byte> TextStopsOrNonAscii = SearchValues.Create(CreateStops("<&\r]"u8, nonAscii: true));

    // Attribute values: references, '<' (forbidden, §3.1), white space to normalise (§3.3.3) and forbidden controls.
    public static readonly SearchValues<byte> AttributeValueStops = SearchValues.Create(CreateStops("&<\t\n\r"u8, nonAscii: false));

    public static readonly SearchValues<byte> AttributeValueStopsOrNonAscii = SearchValues.Create(CreateStops("&<\t\n\r"u8, nonAscii: true));

    // CDATA sections: only line ends and forbidden controls matter inside.
    public static readonly SearchValues<byte> CDataStops = SearchValues.Create(CreateStops("\r"u8, nonAscii: false));

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

    /// <summary>Checks a name with non-ASCII bytes: valid UTF-8, and NameStartChar/NameChar as XML 1.0 §2.3 says.</summary>
    public static void ValidateNonAsciiName(ReadOnlySpan<byte> name, int colon)
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

    private static byte[] CreateNameClasses()
    {
        var classes = new byte[256];
        for (var b = 0; b < 256; b++)
        {
            classes[b] = b switch
            {
                >= 0x80 => NonAscii,
                (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or '_' => NameStart,
                (>= '0' and <= '9') or '-' or '.' => NameOnly,
                ':' => Colon,
                _ => NotName,
            };
        }

        return classes;
    }

    private static byte[] CreateStops(ReadOnlySpan<byte> specials, bool nonAscii)
    {
        var bytes = new List<byte>(specials.ToArray());
        if (nonAscii)
        {
            for (var b = 0x80; b < 0x100; b++)
            {
                bytes.Add((byte)b);
            }
        }

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
