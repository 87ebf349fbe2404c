using System.Buffers;
using System.Text;

namespace XmppServer.Protocol;

/// <summary>
/// Serialises elements straight into an <see cref="IBufferWriter{T}"/> (a <c>PipeWriter</c> on the wire) as UTF-8,
/// escaping as it goes; no intermediate string is built.
/// </summary>
public static class XmppWriter
{
    // Text: '<' and '&' must be escaped (XML 1.0 §2.4); '>' too, for "]]>"; '\r' would be normalised away by the
    // reader's line-end handling (XML 1.0 §2.11), so it travels as a character reference.
    private static readonly SearchValues<char> TextSpecials = SearchValues.Create("&<>\r");

    // Attribute values are quoted with '; tabs and line ends would be normalised to spaces (XML 1.0 §3.3.3).
    private static readonly SearchValues<char> AttributeSpecials = SearchValues.Create("&<>\"'\t\n\r");

    private const int MaxCharsPerChunk = 2048;

    /// <summary>
    /// Writes <paramref name="element"/> where <paramref name="inScopeNamespace"/> is the default namespace in force
    /// (the stream's content namespace for a top-level stanza). Elements of the streams namespace are written with
    /// the <c>stream:</c> prefix the stream header declares. With an empty <paramref name="inScopeNamespace"/> the
    /// element stands alone and declares everything it uses.
    /// </summary>
    public static void WriteElement(IBufferWriter<byte> output, XmppElement element, string inScopeNamespace)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(element);
        WriteElementCore(output, element, inScopeNamespace, standalone: inScopeNamespace.Length == 0);
    }

    /// <summary>
    /// The opening stream header (RFC 6120 §4.7). <paramref name="contentNamespace"/> is jabber:client or jabber:server.
    /// </summary>
    public static void WriteStreamHeader(
        IBufferWriter<byte> output,
        string contentNamespace,
        string? from,
        string? to,
        string? id,
        string? lang,
        bool includeXmlDeclaration = true)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (includeXmlDeclaration)
        {
            WriteRaw(output, "<?xml version='1.0'?>"u8);
        }

        WriteRaw(output, "<stream:stream xmlns='"u8);
        WriteEscaped(output, contentNamespace, AttributeSpecials);
        WriteRaw(output, "' xmlns:stream='http://etherx.jabber.org/streams'"u8);
        WriteOptionalAttribute(output, "id"u8, id);
        WriteOptionalAttribute(output, "from"u8, from);
        WriteOptionalAttribute(output, "to"u8, to);
        WriteRaw(output, " version='1.0'"u8);
        WriteOptionalAttribute(output, "xml:lang"u8, lang);
        WriteRaw(output, ">"u8);
    }

    /// <summary>The closing tag of the stream (RFC 6120 §4.4).</summary>
    public static void WriteStreamEnd(IBufferWriter<byte> output) => WriteRaw(output, "</stream:stream>"u8);

    /// <summary>A single space: the whitespace keepalive of RFC 6120 §4.6.1.</summary>
    public static void WriteWhitespaceKeepalive(IBufferWriter<byte> output) => WriteRaw(output, " "u8);

    public static void WriteRaw(IBufferWriter<byte> output, ReadOnlySpan<byte> utf8)
    {
        ArgumentNullException.ThrowIfNull(output);
        var span = output.GetSpan(utf8.Length);
        utf8.CopyTo(span);
        output.Advance(utf8.Length);
    }

    private static void WriteElementCore(IBufferWriter<byte> output, XmppElement element, string inScopeNamespace, bool standalone)
    {
        var isStreamElement = element.Namespace == Namespaces.Streams;
        var isXmlElement = element.Namespace == Namespaces.Xml;
        var childScope = inScopeNamespace;

        WriteRaw(output, "<"u8);
        if (isStreamElement)
        {
            WriteRaw(output, "stream:"u8);
            WriteUtf8(output, element.Name);
            if (standalone)
            {
                WriteRaw(output, " xmlns:stream='http://etherx.jabber.org/streams'"u8);
            }
        }
        else if (isXmlElement)
        {
            // Namespaces in XML §3: the XML namespace is bound to the xml prefix by definition and must not be
            // declared as the default namespace, so an element in it (<xml:foo/>, which a peer may send) keeps the prefix.
            WriteRaw(output, "xml:"u8);
            WriteUtf8(output, element.Name);
        }
        else
        {
            WriteUtf8(output, element.Name);
            if (!SameNamespace(element.Namespace, inScopeNamespace))
            {
                WriteRaw(output, " xmlns='"u8);
                WriteEscaped(output, element.Namespace, AttributeSpecials);
                WriteRaw(output, "'"u8);
                childScope = element.Namespace;
            }
        }

        var attributes = element.Attributes;
        var prefixCounter = 0;
        for (var i = 0; i < attributes.Count; i++)
        {
            var attribute = attributes[i];
            WriteRaw(output, " "u8);
            if (attribute.Namespace.Length == 0)
            {
                WriteUtf8(output, attribute.Name);
            }
            else if (attribute.Namespace == Namespaces.Xml)
            {
                // The xml prefix is bound by definition (XML Namespaces §3) and never declared.
                WriteRaw(output, "xml:"u8);
                WriteUtf8(output, attribute.Name);
            }
            else
            {
                // A rare foreign-namespace attribute: declare a private prefix on this element.
                var prefix = "ns" + prefixCounter.ToString(System.Globalization.CultureInfo.InvariantCulture);
                prefixCounter++;
                WriteRaw(output, "xmlns:"u8);
                WriteUtf8(output, prefix);
                WriteRaw(output, "='"u8);
                WriteEscaped(output, attribute.Namespace, AttributeSpecials);
                WriteRaw(output, "' "u8);
                WriteUtf8(output, prefix);
                WriteRaw(output, ":"u8);
                WriteUtf8(output, attribute.Name);
            }

            WriteRaw(output, "='"u8);
            WriteEscaped(output, attribute.Value, AttributeSpecials);
            WriteRaw(output, "'"u8);
        }

        var nodes = element.Nodes;
        if (nodes.Count == 0)
        {
            WriteRaw(output, "/>"u8);
            return;
        }

        WriteRaw(output, ">"u8);
        for (var i = 0; i < nodes.Count; i++)
        {
            switch (nodes[i])
            {
                case XmppElement child:
                    // A stream-namespace root declared the prefix already; a nested one in a standalone tree declares its own.
                    WriteElementCore(output, child, childScope, standalone && !isStreamElement);
                    break;
                case XmppText text:
                    WriteEscaped(output, text.Value, TextSpecials);
                    break;
            }
        }

        WriteRaw(output, "</"u8);
        if (isStreamElement)
        {
            WriteRaw(output, "stream:"u8);
        }
        else if (isXmlElement)
        {
            WriteRaw(output, "xml:"u8);
        }

        WriteUtf8(output, element.Name);
        WriteRaw(output, ">"u8);
    }

    // jabber:client and jabber:server are the same content namespace seen from two kinds of stream (RFC 6120 §4.8.3),
    // so a stanza routed from one kind to the other keeps the receiving stream's default.
    private static bool SameNamespace(string ns, string inScope)
        => ns == inScope || (IsContentNamespace(ns) && IsContentNamespace(inScope));

    private static bool IsContentNamespace(string ns) => ns is Namespaces.Client or Namespaces.Server;

    private static void WriteOptionalAttribute(IBufferWriter<byte> output, ReadOnlySpan<byte> name, string? value)
    {
        if (value is null)
        {
            return;
        }

        WriteRaw(output, " "u8);
        WriteRaw(output, name);
        WriteRaw(output, "='"u8);
        WriteEscaped(output, value, AttributeSpecials);
        WriteRaw(output, "'"u8);
    }

    private static void WriteEscaped(IBufferWriter<byte> output, ReadOnlySpan<char> value, SearchValues<char> specials)
    {
        while (!value.IsEmpty)
        {
            var index = value.IndexOfAny(specials);
            if (index < 0)
            {
                WriteUtf8(output, value);
                return;
            }

            if (index > 0)
            {
                WriteUtf8(output, value[..index]);
            }

            WriteRaw(output, value[index] switch
            {
                '&' => "&amp;"u8,
                '<' => "&lt;"u8,
                '>' => "&gt;"u8,
                '"' => "&quot;"u8,
                '\'' => "&apos;"u8,
                '\t' => "&#x9;"u8,
                '\n' => "&#xA;"u8,
                _ => "&#xD;"u8,
            });
            value = value[(index + 1)..];
        }
    }

    private static void WriteUtf8(IBufferWriter<byte> output, ReadOnlySpan<char> value)
    {
        while (!value.IsEmpty)
        {
            var chunk = value.Length <= MaxCharsPerChunk ? value : value[..MaxCharsPerChunk];

            // Never split a surrogate pair across chunks.
            if (chunk.Length < value.Length && char.IsHighSurrogate(chunk[^1]))
            {
                chunk = chunk[..^1];
            }

            var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(chunk.Length));
            var written = Encoding.UTF8.GetBytes(chunk, span);
            output.Advance(written);
            value = value[chunk.Length..];
        }
    }
}
