using System.Buffers;

namespace XmppServer.Protocol;

// The optional XML declaration before the stream header (XML 1.0 §2.8 [23] XMLDecl).
public sealed partial class XmppStreamParser
{
    private static void CheckDeclaration(in ReadOnlySequence<byte> declaration)
    {
        var length = (int)declaration.Length;
        if (declaration.IsSingleSegment)
        {
            CheckDeclaration(declaration.FirstSpan);
            return;
        }

        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            declaration.CopyTo(rented);
            CheckDeclaration(rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    // <?xml version='1.x' (encoding='UTF-8')? (standalone='yes|no')? ?>, in that order. The framer has matched
    // "<?xml" plus white space and found the closing "?>".
    private static void CheckDeclaration(ReadOnlySpan<byte> declaration)
    {
        var body = declaration[5..^2];
        var seen = 0; // 1 version, 2 encoding, 3 standalone: pseudo-attributes come in this order
        while (true)
        {
            var trimmed = body.TrimStart(" \t\r\n"u8);
            var hadSpace = trimmed.Length != body.Length;
            body = trimmed;
            if (body.IsEmpty)
            {
                break;
            }

            if (!hadSpace)
            {
                ParserThrow.NotWellFormed("Malformed XML declaration.");
            }

            var equals = body.IndexOf((byte)'=');
            if (equals <= 0)
            {
                ParserThrow.NotWellFormed("Malformed XML declaration.");
            }

            var name = body[..equals].TrimEnd(" \t\r\n"u8);
            body = body[(equals + 1)..].TrimStart(" \t\r\n"u8);
            if (body.IsEmpty || body[0] is not ((byte)'\'' or (byte)'"'))
            {
                ParserThrow.NotWellFormed("Malformed XML declaration.");
            }

            var close = body[1..].IndexOf(body[0]);
            if (close < 0)
            {
                ParserThrow.NotWellFormed("Malformed XML declaration.");
            }

            var value = body.Slice(1, close);
            body = body[(close + 2)..];

            if (seen == 0 && name.SequenceEqual("version"u8))
            {
                // XML 1.0 §2.8 [26] VersionNum ::= '1.' [0-9]+
                if (value.Length < 3 || !value.StartsWith("1."u8) || value[2..].ContainsAnyExceptInRange((byte)'0', (byte)'9'))
                {
                    ParserThrow.NotWellFormed("Unsupported XML version.");
                }

                seen = 1;
            }
            else if (seen == 1 && name.SequenceEqual("encoding"u8))
            {
                // RFC 6120 §11.6: an encoding declaration, if present, must say UTF-8.
                if (!System.Text.Ascii.EqualsIgnoreCase(value, "UTF-8"u8))
                {
                    ParserThrow.UnsupportedEncoding("Only UTF-8 is supported.");
                }

                seen = 2;
            }
            else if (seen is 1 or 2 && name.SequenceEqual("standalone"u8))
            {
                if (!value.SequenceEqual("yes"u8) && !value.SequenceEqual("no"u8))
                {
                    ParserThrow.NotWellFormed("Malformed XML declaration.");
                }

                seen = 3;
            }
            else
            {
                ParserThrow.NotWellFormed("Malformed XML declaration.");
            }
        }

        if (seen == 0)
        {
            ParserThrow.NotWellFormed("The XML declaration lacks a version.");
        }
    }
}
