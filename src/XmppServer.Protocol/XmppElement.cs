using System.Buffers;
using System.Text;

namespace XmppServer.Protocol;

/// <summary>
/// A light, mutable element tree built only for complete stanzas. Names and namespaces are resolved
/// (prefixes are gone); attribute and text values are unescaped. An element may be shared between
/// recipients once it is routed, so code that needs a changed copy calls <see cref="Clone"/> first.
/// </summary>
public sealed class XmppElement : XmppNode
{
    private List<XmppAttribute>? _attributes;
    private List<XmppNode>? _nodes;

    public XmppElement(string name, string ns)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(ns);
        Name = name;
        Namespace = ns;
    }

    /// <summary>Local name, without prefix.</summary>
    public string Name { get; }

    /// <summary>Namespace name; empty only for elements in no namespace.</summary>
    public string Namespace { get; }

    public IReadOnlyList<XmppAttribute> Attributes => (IReadOnlyList<XmppAttribute>?)_attributes ?? [];

    /// <summary>Children in document order: elements and text.</summary>
    public IReadOnlyList<XmppNode> Nodes => (IReadOnlyList<XmppNode>?)_nodes ?? [];

    public bool HasChildren => _nodes is { Count: > 0 };

    public bool Is(string name, string ns) => Name == name && Namespace == ns;

    /// <summary>Value of an unprefixed attribute, or null.</summary>
    public string? GetAttribute(string name) => GetAttribute(name, string.Empty);

    public string? GetAttribute(string name, string ns)
    {
        if (_attributes is null)
        {
            return null;
        }

        foreach (var attribute in _attributes)
        {
            if (attribute.Name == name && attribute.Namespace == ns)
            {
                return attribute.Value;
            }
        }

        return null;
    }

    /// <summary>Sets, replaces or (with null) removes an attribute. Returns this element for chaining.</summary>
    public XmppElement SetAttribute(string name, string? value) => SetAttribute(name, string.Empty, value);

    public XmppElement SetAttribute(string name, string ns, string? value)
    {
        if (_attributes is not null)
        {
            for (var i = 0; i < _attributes.Count; i++)
            {
                if (_attributes[i].Name == name && _attributes[i].Namespace == ns)
                {
                    if (value is null)
                    {
                        _attributes.RemoveAt(i);
                    }
                    else
                    {
                        _attributes[i] = new XmppAttribute(name, value, ns);
                    }

                    return this;
                }
            }
        }

        if (value is not null)
        {
            (_attributes ??= new List<XmppAttribute>(4)).Add(new XmppAttribute(name, value, ns));
        }

        return this;
    }

    /// <summary>Appends an attribute without checking for a duplicate; for the parser, which has checked already.</summary>
    internal void AddAttributeUnchecked(XmppAttribute attribute) => (_attributes ??= new List<XmppAttribute>(4)).Add(attribute);

    /// <summary>For the parser, which knows how many attributes follow: one list of the right size, no regrowth.</summary>
    internal void ReserveAttributes(int capacity) => _attributes ??= new List<XmppAttribute>(capacity);

    /// <summary>For the parser, which collects an element's children until its end tag: one list of exactly their number.</summary>
    internal void SetNodesUnchecked(ReadOnlySpan<XmppNode> nodes)
    {
        _nodes = new List<XmppNode>(nodes.Length);
        _nodes.AddRange(nodes);
    }

    // Common stanza attributes.
    public string? Id { get => GetAttribute("id"); set => SetAttribute("id", value); }

    public string? Type { get => GetAttribute("type"); set => SetAttribute("type", value); }

    public string? To { get => GetAttribute("to"); set => SetAttribute("to", value); }

    public string? From { get => GetAttribute("from"); set => SetAttribute("from", value); }

    public string? Lang { get => GetAttribute("lang", Namespaces.Xml); set => SetAttribute("lang", Namespaces.Xml, value); }

    public XmppElement Add(XmppNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        (_nodes ??= new List<XmppNode>(2)).Add(node);
        return this;
    }

    /// <summary>Adds a child element and returns the child, for building nested payloads.</summary>
    public XmppElement AddElement(string name, string ns)
    {
        var child = new XmppElement(name, ns);
        Add(child);
        return child;
    }

    /// <summary>Adds a child element in this element's namespace and returns the child.</summary>
    public XmppElement AddElement(string name) => AddElement(name, Namespace);

    public XmppElement AddText(string text)
    {
        if (text.Length > 0)
        {
            Add(new XmppText(text));
        }

        return this;
    }

    /// <summary>Adds a child element holding only text, returning this element.</summary>
    public XmppElement AddTextElement(string name, string ns, string text)
    {
        AddElement(name, ns).AddText(text);
        return this;
    }

    public bool Remove(XmppNode node) => _nodes?.Remove(node) ?? false;

    public int RemoveAll(Predicate<XmppNode> match) => _nodes?.RemoveAll(match) ?? 0;

    public void ClearNodes() => _nodes?.Clear();

    /// <summary>The child elements in document order (text skipped); allocation-free under <c>foreach</c>.</summary>
    public XmppChildElements Elements() => new(_nodes, null, null);

    /// <summary>The child elements with this name and namespace, in document order.</summary>
    public XmppChildElements Elements(string name, string ns)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(ns);
        return new(_nodes, name, ns);
    }

    public XmppElement? Element(string name, string ns)
    {
        if (_nodes is null)
        {
            return null;
        }

        foreach (var node in _nodes)
        {
            if (node is XmppElement element && element.Name == name && element.Namespace == ns)
            {
                return element;
            }
        }

        return null;
    }

    /// <summary>The first child element, whatever its name; the payload of an IQ.</summary>
    public XmppElement? FirstElement()
    {
        if (_nodes is null)
        {
            return null;
        }

        foreach (var node in _nodes)
        {
            if (node is XmppElement element)
            {
                return element;
            }
        }

        return null;
    }

    /// <summary>The concatenated character data of the direct children.</summary>
    public string Text
    {
        get
        {
            if (_nodes is null)
            {
                return string.Empty;
            }

            string? single = null;
            StringBuilder? builder = null;
            foreach (var node in _nodes)
            {
                if (node is not XmppText text)
                {
                    continue;
                }

                if (single is null)
                {
                    single = text.Value;
                }
                else
                {
                    builder ??= new StringBuilder(single);
                    builder.Append(text.Value);
                }
            }

            return builder?.ToString() ?? single ?? string.Empty;
        }
    }

    /// <summary>Text of the first child element with this name and namespace, or null when there is none.</summary>
    public string? ElementText(string name, string ns) => Element(name, ns)?.Text;

    /// <summary>A deep copy; text nodes are immutable and shared.</summary>
    public XmppElement Clone()
    {
        var copy = new XmppElement(Name, Namespace);
        if (_attributes is not null)
        {
            copy._attributes = new List<XmppAttribute>(_attributes);
        }

        if (_nodes is not null)
        {
            copy._nodes = new List<XmppNode>(_nodes.Count);
            foreach (var node in _nodes)
            {
                copy._nodes.Add(node.CloneNode());
            }
        }

        return copy;
    }

    public override XmppNode CloneNode() => Clone();

    /// <summary>Serialised XML, for logs and tests. The wire path writes with <see cref="XmppWriter"/>, never this.</summary>
    public override string ToString()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        XmppWriter.WriteElement(buffer, this, string.Empty);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Structural equality: names, namespaces, attributes (in any order) and children in order.</summary>
    public bool DeepEquals(XmppElement other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Name != other.Name || Namespace != other.Namespace || Attributes.Count != other.Attributes.Count || Nodes.Count != other.Nodes.Count)
        {
            return false;
        }

        foreach (var attribute in Attributes)
        {
            if (other.GetAttribute(attribute.Name, attribute.Namespace) != attribute.Value)
            {
                return false;
            }
        }

        for (var i = 0; i < Nodes.Count; i++)
        {
            var equal = (Nodes[i], other.Nodes[i]) switch
            {
                (XmppElement a, XmppElement b) => a.DeepEquals(b),
                (XmppText a, XmppText b) => a.Value == b.Value,
                _ => false,
            };
            if (!equal)
            {
                return false;
            }
        }

        return true;
    }
}
