using System.Globalization;
using System.Text;

namespace XmppServer.LoadTest.Xml;

/// <summary>
/// A small element tree for what a load client reads: names, attributes, children and text. Namespaces are resolved
/// for the default namespace and prefixes declared in the frame; the stream prefix is known. No DTDs, no comments.
/// </summary>
internal sealed class MiniElement
{
    private const string StreamNamespace = "http://etherx.jabber.org/streams";
    private const string XmlNamespace = "http://www.w3.org/XML/1998/namespace";

    private List<KeyValuePair<string, string>>? _attributes;
    private List<MiniElement>? _children;
    private StringBuilder? _text;

    private MiniElement(string name, string ns)
    {
        Name = name;
        Namespace = ns;
    }

    /// <summary>The local name (prefix removed).</summary>
    public string Name { get; }

    public string Namespace { get; private set; }

    public IReadOnlyList<MiniElement> Children => (IReadOnlyList<MiniElement>?)_children ?? [];

    public IReadOnlyList<KeyValuePair<string, string>> Attributes => (IReadOnlyList<KeyValuePair<string, string>>?)_attributes ?? [];

    public MiniElement? FirstChild => _children is { Count: > 0 } ? _children[0] : null;

    public string Text => _text?.ToString() ?? string.Empty;

    public string? Attribute(string name)
    {
        if (_attributes is null)
        {
            return null;
        }

        foreach (var (key, value) in _attributes)
        {
            if (key == name)
            {
                return value;
            }
        }

        return null;
    }

    public MiniElement? Child(string name, string? ns = null)
    {
        if (_children is null)
        {
            return null;
        }

        foreach (var child in _children)
        {
            if (child.Name == name && (ns is null || child.Namespace == ns))
            {
                return child;
            }
        }

        return null;
    }

    public bool Is(string name, string ns) => Name == name && Namespace == ns;

    /// <summary>Parses one complete element.</summary>
    public static MiniElement Parse(ReadOnlySpan<byte> utf8, string defaultNamespace)
    {
        var position = 0;
        var element = ParseElement(utf8, ref position, defaultNamespace, null);
        return element;
    }

    /// <summary>Parses a start tag alone, as the stream header is (its end tag closes the stream).</summary>
    public static MiniElement ParseStartTag(ReadOnlySpan<byte> utf8)
    {
        var position = 0;
        return ParseTag(utf8, ref position, string.Empty, null, out _).Element;
    }

    public override string ToString() => $"<{Name} xmlns='{Namespace}'>";

    private static MiniElement ParseElement(ReadOnlySpan<byte> s, ref int p, string defaultNs, NamespaceScope? scope)
    {
        var (element, innerScope, innerDefault) = ParseTag(s, ref p, defaultNs, scope, out var selfClosing);
        if (selfClosing)
        {
            return element;
        }

        while (true)
        {
            var lt = s[p..].IndexOf((byte)'<');
            if (lt < 0)
            {
                throw new InvalidDataException($"unterminated <{element.Name}>");
            }

            if (lt > 0)
            {
                element.AppendText(s.Slice(p, lt));
            }

            p += lt;
            if (p + 1 < s.Length && s[p + 1] == (byte)'/')
            {
                var gt = s[p..].IndexOf((byte)'>');
                if (gt < 0)
                {
                    throw new InvalidDataException($"unterminated </{element.Name}>");
                }

                p += gt + 1;
                return element;
            }

            if (p + 1 < s.Length && s[p + 1] == (byte)'?')
            {
                // A processing instruction: skipped.
                var end = s[p..].IndexOf("?>"u8);
                p += end < 0 ? s.Length - p : end + 2;
                continue;
            }

            (element._children ??= []).Add(ParseElement(s, ref p, innerDefault, innerScope));
        }
    }

    private static (MiniElement Element, NamespaceScope? Scope, string DefaultNs) ParseTag(ReadOnlySpan<byte> s, ref int p, string defaultNs, NamespaceScope? scope, out bool selfClosing)
    {
        if (p >= s.Length || s[p] != (byte)'<')
        {
            throw new InvalidDataException("expected '<'");
        }

        p++;
        var qname = ReadName(s, ref p);
        List<KeyValuePair<string, string>>? attributes = null;
        selfClosing = false;
        while (true)
        {
            SkipSpace(s, ref p);
            if (p >= s.Length)
            {
                throw new InvalidDataException($"unterminated <{qname}");
            }

            if (s[p] == (byte)'/')
            {
                selfClosing = true;
                p += 2;
                break;
            }

            if (s[p] == (byte)'>')
            {
                p++;
                break;
            }

            var name = ReadName(s, ref p);
            SkipSpace(s, ref p);
            if (p >= s.Length || s[p] != (byte)'=')
            {
                throw new InvalidDataException($"attribute {name} has no value");
            }

            p++;
            SkipSpace(s, ref p);
            var quote = s[p];
            var close = s[(p + 1)..].IndexOf(quote);
            if (quote is not ((byte)'"' or (byte)'\'') || close < 0)
            {
                throw new InvalidDataException($"attribute {name} is not quoted");
            }

            var value = Decode(s.Slice(p + 1, close));
            p += close + 2;
            (attributes ??= []).Add(new(name, value));
        }

        // Namespace declarations on this element apply to it and its descendants.
        var innerDefault = defaultNs;
        var innerScope = scope;
        if (attributes is not null)
        {
            foreach (var (key, value) in attributes)
            {
                if (key == "xmlns")
                {
                    innerDefault = value;
                }
                else if (key.StartsWith("xmlns:", StringComparison.Ordinal))
                {
                    innerScope = new NamespaceScope(key[6..], value, innerScope);
                }
            }
        }

        var colon = qname.IndexOf(':');
        string ns;
        string local;
        if (colon < 0)
        {
            ns = innerDefault;
            local = qname;
        }
        else
        {
            local = qname[(colon + 1)..];
            ns = Resolve(qname[..colon], innerScope);
        }

        var element = new MiniElement(local, ns) { _attributes = attributes };
        return (element, innerScope, innerDefault);
    }

    private static string Resolve(string prefix, NamespaceScope? scope)
    {
        for (var s = scope; s is not null; s = s.Parent)
        {
            if (s.Prefix == prefix)
            {
                return s.Namespace;
            }
        }

        return prefix switch
        {
            "stream" => StreamNamespace,
            "xml" => XmlNamespace,
            _ => string.Empty,
        };
    }

    private void AppendText(ReadOnlySpan<byte> raw)
    {
        _text ??= new StringBuilder();
        _text.Append(Decode(raw));
    }

    private static string ReadName(ReadOnlySpan<byte> s, ref int p)
    {
        var start = p;
        while (p < s.Length && s[p] is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)'/' or (byte)'>' or (byte)'='))
        {
            p++;
        }

        if (p == start)
        {
            throw new InvalidDataException("expected a name");
        }

        return Encoding.UTF8.GetString(s[start..p]);
    }

    private static void SkipSpace(ReadOnlySpan<byte> s, ref int p)
    {
        while (p < s.Length && s[p] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            p++;
        }
    }

    /// <summary>UTF-8 to string with the five predefined entities and character references resolved.</summary>
    internal static string Decode(ReadOnlySpan<byte> raw)
    {
        var text = Encoding.UTF8.GetString(raw);
        var amp = text.IndexOf('&');
        if (amp < 0)
        {
            return text;
        }

        var sb = new StringBuilder(text.Length);
        var i = 0;
        while (amp >= 0)
        {
            sb.Append(text, i, amp - i);
            var semi = text.IndexOf(';', amp);
            if (semi < 0)
            {
                throw new InvalidDataException("unterminated entity");
            }

            var entity = text.AsSpan(amp + 1, semi - amp - 1);
            switch (entity)
            {
                case "lt": sb.Append('<'); break;
                case "gt": sb.Append('>'); break;
                case "amp": sb.Append('&'); break;
                case "quot": sb.Append('"'); break;
                case "apos": sb.Append('\''); break;
                default:
                    if (entity.Length > 1 && entity[0] == '#')
                    {
                        var code = entity[1] is 'x' or 'X'
                            ? int.Parse(entity[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
                            : int.Parse(entity[1..], NumberStyles.None, CultureInfo.InvariantCulture);
                        sb.Append(char.ConvertFromUtf32(code));
                        break;
                    }

                    throw new InvalidDataException($"unknown entity &{entity};");
            }

            i = semi + 1;
            amp = text.IndexOf('&', i);
        }

        sb.Append(text, i, text.Length - i);
        return sb.ToString();
    }
}
