using System.Buffers;
using System.Text;
using System.Text.Unicode;

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
                    ParseContent(data, ref pos);
                    if (data[pos + 1] == '/')
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
        var nameStart = pos;
        var colon = ScanQName(data, ref pos);
        var nameLength = pos - nameStart;

        var count = 0;
        var hasDeclarations = false;
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
                hasDeclarations = true;
            }
            else if (attribute.Colon >= 0)
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
        if (hasDeclarations)
        {
            foreach (ref readonly var attribute in attributes)
            {
                if (attribute.IsDeclaration)
                {
                    Declare(data, attribute);
                }
            }
        }

        var name = data.Slice(nameStart, nameLength);
        var attributeCapacity = count;
        if (_frameCount == 0)
        {
            attributeCapacity++; // room for an inherited xml:lang
        }

        XmppElement element;
        if (colon < 0)
        {
            // Namespaces in XML §6.2: an unprefixed element is in the default namespace.
            element = new XmppElement(_names.GetOrAdd(name), _defaultNamespace);
        }
        else
        {
            element = new XmppElement(_names.GetOrAdd(name[(colon + 1)..]), LookupPrefix(name[..colon]));
        }

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
            PushFrame(new Frame(element, nameStart, nameLength, bindingStart, previousDefault, _childCount));
        }

        return element;
    }

    private RawAttribute ParseAttribute(ReadOnlySpan<byte> data, ref int pos)
    {
        var nameStart = pos;
        var colon = ScanQName(data, ref pos);
        var nameLength = pos - nameStart;
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

        var name = data.Slice(nameStart, nameLength);
        var isDeclaration = colon < 0 ? name.SequenceEqual("xmlns"u8) : name[..colon].SequenceEqual("xmlns"u8);
        return new RawAttribute(nameStart, nameLength, colon, valueStart, valueLength, isDeclaration);
    }

    // XML 1.0 §3.1 WFC Unique Att Spec, on the names as written.
    private static void CheckUniqueAttributeNames(ReadOnlySpan<byte> data, ReadOnlySpan<RawAttribute> attributes)
    {
        for (var i = 1; i < attributes.Length; i++)
        {
            var name = data.Slice(attributes[i].NameStart, attributes[i].NameLength);
            for (var j = 0; j < i; j++)
            {
                if (name.SequenceEqual(data.Slice(attributes[j].NameStart, attributes[j].NameLength)))
                {
                    ParserThrow.NotWellFormed("Duplicate attribute.");
                }
            }
        }
    }

    private void AddAttribute(ReadOnlySpan<byte> data, XmppElement element, in RawAttribute raw, bool checkResolved)
    {
        var name = data.Slice(raw.NameStart, raw.NameLength);
        string localName;
        var ns = string.Empty;
        if (raw.Colon < 0)
        {
            // Namespaces in XML §6.2: unprefixed attributes are in no namespace.
            localName = _names.GetOrAdd(name);
        }
        else
        {
            localName = _names.GetOrAdd(name[(raw.Colon + 1)..]);
            ns = LookupPrefix(name[..raw.Colon]);
        }

        var value = DecodeAttributeValue(data.Slice(raw.ValueStart, raw.ValueLength));

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
        if (raw.Colon < 0)
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

        var prefixBytes = data.Slice(raw.NameStart + raw.Colon + 1, raw.NameLength - raw.Colon - 1);

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

        _bindings[_bindingCount++] = new Binding(_names.GetOrAdd(prefixBytes), value);
    }

    private string LookupPrefix(ReadOnlySpan<byte> prefix)
    {
        // Namespaces in XML §3: the xml prefix is bound by definition.
        if (prefix.SequenceEqual("xml"u8))
        {
            return Namespaces.Xml;
        }

        if (!prefix.SequenceEqual("xmlns"u8))
        {
            var name = _names.GetOrAdd(prefix);
            for (var i = _bindingCount - 1; i >= 0; i--)
            {
                if (_bindings[i].Prefix == name)
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

    private int ScanQName(ReadOnlySpan<byte> data, ref int pos)
    {
        var rest = data[pos..];
        var length = rest.IndexOfAnyExcept(XmlSyntax.NameBytes);
        if (length < 0)
        {
            length = rest.Length;
        }

        if (length == 0)
        {
            ParserThrow.NotWellFormed("Expected a name.");
        }

        if (length > Options.MaxNameBytes)
        {
            ParserThrow.PolicyViolation("A name is too long.");
        }

        var colon = XmlSyntax.ValidateQName(rest[..length]);
        pos += length;
        return colon;
    }

    private static bool SkipWhitespace(ReadOnlySpan<byte> data, ref int pos)
    {
        var start = pos;
        while (pos < data.Length && XmlSyntax.IsWhitespace(data[pos]))
        {
            pos++;
        }

        return pos != start;
    }

    private readonly record struct Binding(string Prefix, string Namespace);

    private readonly record struct Frame(XmppElement Element, int NameStart, int NameLength, int BindingStart, string PreviousDefault, int ChildStart);

    private readonly record struct RawAttribute(int NameStart, int NameLength, int Colon, int ValueStart, int ValueLength, bool IsDeclaration);
}
