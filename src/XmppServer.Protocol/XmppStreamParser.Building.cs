using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace XmppServer.Protocol;

// Stage two: turns the bytes of one complete top-level element (or the stream header's start tag) into an
// XmppElement, checking what the framer did not: names, attribute syntax, namespaces, references, UTF-8 and the
// characters XML 1.0 allows. It runs once per element over a contiguous span.
public sealed partial class XmppStreamParser
{
    private readonly NameTable _names = new();
    private Binding[] _bindings = new Binding[8];
    private int _bindingCount;
    private int _streamBindingCount;
    private string _defaultNamespace = string.Empty;
    private string _streamDefaultNamespace = string.Empty;
    private bool _declaredDefault;
    private Frame[] _frames = new Frame[8];
    private int _frameCount;
    private int _framesUsed;
    private RawAttribute[] _rawAttributes = new RawAttribute[8];
    private XmppNode[] _children = new XmppNode[16]; // children of the open elements, collected until their end tags
    private int _childCount;
    private int _childrenUsed;
    private char[]? _chars;

    private void ResetNamespaces()
    {
        _bindingCount = 0;
        _streamBindingCount = 0;
        Array.Clear(_bindings);
        _defaultNamespace = string.Empty;
        _streamDefaultNamespace = string.Empty;
    }

    private XmppElement BuildHeader(in ReadOnlySequence<byte> bytes)
    {
        _bindingCount = 0;
        _defaultNamespace = string.Empty;
        var header = Build(bytes, isHeader: true);

        // RFC 6120 §4.8: the namespace declarations of the header are in scope for every stanza of the stream.
        _streamBindingCount = _bindingCount;
        _streamDefaultNamespace = _defaultNamespace;
        ContentNamespace = _declaredDefault ? _defaultNamespace : null;

        // RFC 6120 §4.7.4: the stream's default language; an empty xml:lang means none (XML 1.0 §2.12).
        var lang = header.GetAttribute("lang", Namespaces.Xml);
        StreamLanguage = string.IsNullOrEmpty(lang) ? null : lang;
        return header;
    }

    private XmppElement BuildStanza(in ReadOnlySequence<byte> bytes)
    {
        _bindingCount = _streamBindingCount;
        _defaultNamespace = _streamDefaultNamespace;
        var stanza = Build(bytes, isHeader: false);

        // RFC 6120 §4.7.4: a stanza without xml:lang is in the stream's language; make that explicit so that it
        // survives routing to a stream of another language.
        if (StreamLanguage is not null && stanza.GetAttribute("lang", Namespaces.Xml) is null)
        {
            stanza.AddAttributeUnchecked(new XmppAttribute("lang", StreamLanguage, Namespaces.Xml));
        }

        return stanza;
    }

    private XmppElement Build(in ReadOnlySequence<byte> bytes, bool isHeader)
        => bytes.IsSingleSegment ? Build(bytes.FirstSpan, isHeader) : BuildMultiSegment(bytes, isHeader);

    // The slow path for an element spread over several segments (Kestrel ParseMultiSpanHeader): copy it once.
    private XmppElement BuildMultiSegment(in ReadOnlySequence<byte> bytes, bool isHeader)
    {
        var length = (int)bytes.Length;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            bytes.CopyTo(rented);
            return Build(rented.AsSpan(0, length), isHeader);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private XmppElement Build(ReadOnlySpan<byte> data, bool isHeader)
    {
        try
        {
            var pos = 0;
            var root = ParseStartTag(data, ref pos, out var empty);
            if (isHeader)
            {
                _frameCount = 0;
            }
            else if (!empty)
            {
                while (_frameCount > 0)
                {
                    ParseContent(data, ref pos); // stops at a '<', never the last byte: the framer saw the element end in '>'
                    if (pos + 1 < data.Length && data[pos + 1] == '/')
                    {
                        ParseEndTag(data, ref pos);
                    }
                    else
                    {
                        ParseStartTag(data, ref pos, out _);
                    }
                }
            }

            if (pos != data.Length)
            {
                ParserThrow.NotWellFormed("Malformed element.");
            }

            return root;
        }
        finally
        {
            // Don't keep the tree alive through the scratch stacks, nor hold on to a large rented buffer.
            Array.Clear(_frames, 0, _framesUsed);
            Array.Clear(_children, 0, _childrenUsed);
            _frameCount = 0;
            _framesUsed = 0;
            _childCount = 0;
            _childrenUsed = 0;
            if (_chars is not null)
            {
                ArrayPool<char>.Shared.Return(_chars);
                _chars = null;
            }
        }
    }

    /// <summary>
    /// Parses a start tag at <paramref name="pos"/> ('&lt;'), resolves its namespaces, appends the element to the
    /// current one and, unless it is empty, opens it.
    /// </summary>
    private XmppElement ParseStartTag(ReadOnlySpan<byte> data, ref int pos, out bool empty)
    {
        pos++;
        var qname = ScanQName(data, ref pos);

        var count = 0;
        var declarations = 0;
        var hasPrefixedAttributes = false;
        while (true)
        {
            var hadSpace = SkipWhitespace(data, ref pos);
            if (pos >= data.Length)
            {
                ParserThrow.NotWellFormed("Unterminated start tag.");
            }

            var b = data[pos];
            if (b == '>')
            {
                pos++;
                empty = false;
                break;
            }

            if (b == '/')
            {
                if (pos + 1 >= data.Length || data[pos + 1] != '>')
                {
                    ParserThrow.NotWellFormed("'/' inside a start tag.");
                }

                pos += 2;
                empty = true;
                break;
            }

            // XML 1.0 §3.1 [40]: attributes are separated from the name and each other by white space.
            if (!hadSpace)
            {
                ParserThrow.NotWellFormed("Missing white space before an attribute.");
            }

            if (count >= Options.MaxAttributes)
            {
                ParserThrow.PolicyViolation("Too many attributes on one element.");
            }

            var attribute = ParseAttribute(data, ref pos);
            if (attribute.IsDeclaration)
            {
                if (++declarations > Options.MaxNamespaceDeclarations)
                {
                    ParserThrow.PolicyViolation("Too many namespace declarations on one element.");
                }
            }
            else if (attribute.Name.Colon >= 0)
            {
                hasPrefixedAttributes = true;
            }

            if (count == _rawAttributes.Length)
            {
                Array.Resize(ref _rawAttributes, count * 2);
            }

            _rawAttributes[count++] = attribute;
        }

        var attributes = _rawAttributes.AsSpan(0, count);
        CheckUniqueAttributeNames(data, attributes);

        var bindingStart = _bindingCount;
        var previousDefault = _defaultNamespace;
        _declaredDefault = false;
        if (declarations > 0)
        {
            foreach (ref readonly var attribute in attributes)
            {
                if (attribute.IsDeclaration)
                {
                    Declare(data, attribute);
                }
            }
        }

        var attributeCapacity = count;
        if (_frameCount == 0)
        {
            // Room for an inherited xml:lang and for the 'from' the server stamps on what a client sends (RFC 6120
            // §8.1.2.1), so neither regrows the list of a routed stanza.
            attributeCapacity += 2;
        }

        // Namespaces in XML §6.2: an unprefixed element is in the default namespace.
        var element = new XmppElement(LocalName(data, qname), qname.Colon < 0 ? _defaultNamespace : LookupPrefix(data, qname));

        if (attributeCapacity > 0)
        {
            element.ReserveAttributes(attributeCapacity);
        }

        for (var i = 0; i < attributes.Length; i++)
        {
            ref readonly var attribute = ref attributes[i];
            if (!attribute.IsDeclaration)
            {
                AddAttribute(data, element, attribute, hasPrefixedAttributes);
            }
        }

        if (_frameCount > 0)
        {
            AddChild(element);
        }

        if (empty)
        {
            _bindingCount = bindingStart;
            _defaultNamespace = previousDefault;
        }
        else
        {
            PushFrame(new Frame(element, qname.Start, qname.Length, bindingStart, previousDefault, _childCount));
        }

        return element;
    }

    private RawAttribute ParseAttribute(ReadOnlySpan<byte> data, ref int pos)
    {
        var qname = ScanQName(data, ref pos);
        SkipWhitespace(data, ref pos);

        // XML 1.0 §3.1 [41] Attribute ::= Name Eq AttValue, with the value quoted.
        if (pos >= data.Length || data[pos] != '=')
        {
            ParserThrow.NotWellFormed("An attribute lacks a value.");
        }

        pos++;
        SkipWhitespace(data, ref pos);
        if (pos >= data.Length || data[pos] is not ((byte)'\'' or (byte)'"'))
        {
            ParserThrow.NotWellFormed("An attribute value is not quoted.");
        }

        var quote = data[pos++];
        var valueLength = data[pos..].IndexOf(quote);
        if (valueLength < 0)
        {
            ParserThrow.NotWellFormed("Unterminated attribute value.");
        }

        var valueStart = pos;
        pos += valueLength + 1;

        var name = data.Slice(qname.Start, qname.Length);
        var isDeclaration = qname.Colon < 0 ? name.SequenceEqual("xmlns"u8) : name[..qname.Colon].SequenceEqual("xmlns"u8);
        return new RawAttribute(qname, valueStart, valueLength, isDeclaration);
    }

    // XML 1.0 §3.1 WFC Unique Att Spec, on the names as written.
    private static void CheckUniqueAttributeNames(ReadOnlySpan<byte> data, ReadOnlySpan<RawAttribute> attributes)
    {
        for (var i = 1; i < attributes.Length; i++)
        {
            var a = attributes[i].Name;
            for (var j = 0; j < i; j++)
            {
                var b = attributes[j].Name;
                if (a.LocalHash == b.LocalHash && a.PrefixHash == b.PrefixHash
                    && data.Slice(a.Start, a.Length).SequenceEqual(data.Slice(b.Start, b.Length)))
                {
                    ParserThrow.NotWellFormed("Duplicate attribute.");
                }
            }
        }
    }

    private void AddAttribute(ReadOnlySpan<byte> data, XmppElement element, in RawAttribute raw, bool checkResolved)
    {
        // Namespaces in XML §6.2: unprefixed attributes are in no namespace.
        var localName = LocalName(data, raw.Name);
        var ns = raw.Name.Colon < 0 ? string.Empty : LookupPrefix(data, raw.Name);

        var value = DecodeAttributeValue(data.Slice(raw.ValueStart, raw.ValueLength));
        CheckAttributeValueLength(value);

        // Namespaces in XML §6.3: two attributes may not have the same local name and namespace, even under
        // different prefixes. Unprefixed names were compared as written already.
        if (checkResolved && ns.Length > 0)
        {
            foreach (var existing in element.Attributes)
            {
                if (existing.Name == localName && existing.Namespace == ns)
                {
                    ParserThrow.NotWellFormed("Duplicate attribute.");
                }
            }
        }

        element.AddAttributeUnchecked(new XmppAttribute(localName, value, ns));
    }

    private void Declare(ReadOnlySpan<byte> data, in RawAttribute raw)
    {
        var value = DecodeNamespace(data.Slice(raw.ValueStart, raw.ValueLength));
        CheckAttributeValueLength(value);
        if (raw.Name.Colon < 0)
        {
            // Namespaces in XML §3: xmlns='' undeclares the default namespace; the reserved ones cannot be default.
            if (value is Namespaces.Xml or Namespaces.Xmlns)
            {
                ParserThrow.NotWellFormed("Reserved namespace declared as the default.");
            }

            _defaultNamespace = value;
            _declaredDefault = true;
            return;
        }

        var prefixBytes = data.Slice(raw.Name.Start + raw.Name.Colon + 1, raw.Name.Length - raw.Name.Colon - 1);

        // Namespaces in XML §3: "xml" is bound to its namespace only, "xmlns" is never declared, and neither
        // reserved namespace gets another prefix. Namespaces in XML 1.0 cannot undeclare a prefix.
        if (prefixBytes.SequenceEqual("xml"u8))
        {
            if (value != Namespaces.Xml)
            {
                ParserThrow.NotWellFormed("The xml prefix is bound to another namespace.");
            }

            return;
        }

        if (prefixBytes.SequenceEqual("xmlns"u8) || value is Namespaces.Xml or Namespaces.Xmlns)
        {
            ParserThrow.NotWellFormed("Reserved prefix or namespace declared.");
        }

        if (value.Length == 0)
        {
            ParserThrow.NotWellFormed("A prefix is declared with an empty namespace.");
        }

        if (_bindingCount == _bindings.Length)
        {
            Array.Resize(ref _bindings, _bindingCount * 2);
        }

        _bindings[_bindingCount++] = new Binding(LocalName(data, raw.Name), raw.Name.LocalHash, value);
    }

    // Checked on the decoded value: references make the raw bytes longer than the value, never shorter, so a value
    // stored and written out again (escaped differently) meets the same limit.
    private void CheckAttributeValueLength(string value)
    {
        if (value.Length > Options.MaxAttributeValueLength)
        {
            ParserThrow.PolicyViolation("An attribute value is too long.");
        }
    }

    private string LocalName(ReadOnlySpan<byte> data, in QName qname)
        => _names.GetOrAdd(data.Slice(qname.Start + qname.Colon + 1, qname.Length - qname.Colon - 1), qname.LocalHash, qname.Ascii);

    private string LookupPrefix(ReadOnlySpan<byte> data, in QName qname)
    {
        var prefix = data.Slice(qname.Start, qname.Colon);

        // Namespaces in XML §3: the xml prefix is bound by definition.
        if (prefix.SequenceEqual("xml"u8))
        {
            return Namespaces.Xml;
        }

        if (!prefix.SequenceEqual("xmlns"u8))
        {
            // Innermost first. Bindings in scope are bounded by MaxDepth times MaxAttributes; comparing hashes first
            // keeps even that walk cheap.
            var hash = qname.PrefixHash;
            var name = _names.GetOrAdd(prefix, hash, qname.Ascii);
            for (var i = _bindingCount - 1; i >= 0; i--)
            {
                if (_bindings[i].Hash == hash && _bindings[i].Prefix == name)
                {
                    return _bindings[i].Namespace;
                }
            }
        }

        // RFC 6120 §4.9.3.2: a prefix with no namespace binding is bad-namespace-prefix (also for attributes,
        // which the RFC does not single out: it is the more precise condition than not-well-formed).
        ParserThrow.BadNamespacePrefix("A namespace prefix is not declared.");
        return string.Empty;
    }

    private void ParseEndTag(ReadOnlySpan<byte> data, ref int pos)
    {
        pos += 2;
        ref var frame = ref _frames[_frameCount - 1];

        // XML 1.0 §3 WFC Element Type Match: the end tag repeats the start tag's name exactly.
        var end = pos + frame.NameLength;
        if (end > data.Length || !data[pos..end].SequenceEqual(data.Slice(frame.NameStart, frame.NameLength)))
        {
            ParserThrow.NotWellFormed("An end tag does not match its start tag.");
        }

        pos = end;
        SkipWhitespace(data, ref pos);
        if (pos >= data.Length || data[pos] != '>')
        {
            ParserThrow.NotWellFormed("An end tag does not match its start tag.");
        }

        pos++;
        if (_childCount > frame.ChildStart)
        {
            frame.Element.SetNodesUnchecked(_children.AsSpan(frame.ChildStart, _childCount - frame.ChildStart));
            _childCount = frame.ChildStart;
        }

        _bindingCount = frame.BindingStart;
        _defaultNamespace = frame.PreviousDefault;
        frame = default;
        _frameCount--;
    }

    private void AddChild(XmppNode node)
    {
        if (_childCount == _children.Length)
        {
            Array.Resize(ref _children, _childCount * 2);
        }

        _children[_childCount++] = node;
        _childrenUsed = Math.Max(_childrenUsed, _childCount);
    }

    private void PushFrame(in Frame frame)
    {
        if (_frameCount == _frames.Length)
        {
            Array.Resize(ref _frames, _frameCount * 2);
        }

        _frames[_frameCount++] = frame;
        _framesUsed = Math.Max(_framesUsed, _frameCount);
    }

    /// <summary>
    /// Scans a QName (Namespaces in XML §4: NCName, or NCName ':' NCName) in one pass, validating it and hashing its
    /// prefix and local part for the name table.
    /// </summary>
    private QName ScanQName(ReadOnlySpan<byte> data, ref int pos)
    {
        var classes = XmlSyntax.NameClasses;
        var start = pos;
        var colon = -1;
        var ascii = true;
        var hash = NameTable.HashBasis;
        var prefixHash = 0u;
        var i = start;
        for (; i < data.Length; i++)
        {
            var b = data[i];
            var c = classes[b];
            if (c == XmlSyntax.NotName)
            {
                break;
            }

            if (c == XmlSyntax.Colon)
            {
                if (colon >= 0)
                {
                    ThrowNotQName();
                }

                colon = i - start;
                prefixHash = hash;
                hash = NameTable.HashBasis;
                continue;
            }

            ascii &= c != XmlSyntax.NonAscii;
            hash = (hash ^ b) * NameTable.FnvPrime;
        }

        var length = i - start;
        if (length == 0)
        {
            ParserThrow.NotWellFormed("Expected a name.");
        }

        if (length > Options.MaxNameBytes)
        {
            ParserThrow.PolicyViolation("A name is too long.");
        }

        if (colon == 0 || colon == length - 1)
        {
            ThrowNotQName();
        }

        if (!ascii)
        {
            XmlSyntax.ValidateNonAsciiName(data.Slice(start, length), colon);
        }
        else if (classes[data[start]] != XmlSyntax.NameStart || (colon > 0 && classes[data[start + colon + 1]] != XmlSyntax.NameStart))
        {
            ParserThrow.NotWellFormed("A name starts with a character that cannot start a name.");
        }

        pos = i;
        return new QName(start, length, colon, prefixHash, hash, ascii);
    }

    [DoesNotReturn]
    private static void ThrowNotQName() => ParserThrow.NotWellFormed("A name is not a valid qualified name.");

    private static bool SkipWhitespace(ReadOnlySpan<byte> data, ref int pos)
    {
        var start = pos;
        while (pos < data.Length && XmlSyntax.IsWhitespace(data[pos]))
        {
            pos++;
        }

        return pos != start;
    }

    private readonly record struct Binding(string Prefix, uint Hash, string Namespace);

    private readonly record struct Frame(XmppElement Element, int NameStart, int NameLength, int BindingStart, string PreviousDefault, int ChildStart);

    private readonly record struct RawAttribute(QName Name, int ValueStart, int ValueLength, bool IsDeclaration);

    // Colon is -1 for an unprefixed name; the hashes are NameTable hashes of the prefix and the local part.
    private readonly record struct QName(int Start, int Length, int Colon, uint PrefixHash, uint LocalHash, bool Ascii);
}
