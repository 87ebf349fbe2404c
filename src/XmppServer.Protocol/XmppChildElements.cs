using System.Collections;

namespace XmppServer.Protocol;

/// <summary>
/// The child elements of an element in document order, all of them or those with one name and namespace. A struct
/// with a struct enumerator, so a <c>foreach</c> over it allocates nothing: the routing path walks a message's
/// children several times for every message. LINQ still works on it, through <see cref="IEnumerable{T}"/>.
/// </summary>
public readonly struct XmppChildElements : IEnumerable<XmppElement>
{
    private readonly List<XmppNode>? _nodes;
    private readonly string? _name;
    private readonly string? _ns;

    internal XmppChildElements(List<XmppNode>? nodes, string? name, string? ns)
    {
        _nodes = nodes;
        _name = name;
        _ns = ns;
    }

    public Enumerator GetEnumerator() => new(_nodes, _name, _ns);

    IEnumerator<XmppElement> IEnumerable<XmppElement>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Walks the children by index; a child added or removed meanwhile ends the walk with an exception, as List's own enumerator does.</summary>
    public struct Enumerator : IEnumerator<XmppElement>
    {
        private readonly List<XmppNode>? _nodes;
        private readonly string? _name;
        private readonly string? _ns;
        private readonly int _count;
        private int _index;
        private XmppElement? _current;

        internal Enumerator(List<XmppNode>? nodes, string? name, string? ns)
        {
            _nodes = nodes;
            _name = name;
            _ns = ns;
            _count = nodes?.Count ?? 0;
            _index = -1;
            _current = null;
        }

        public readonly XmppElement Current => _current!;

        readonly object IEnumerator.Current => Current;

        public bool MoveNext()
        {
            if (_nodes is null)
            {
                return false;
            }

            if (_nodes.Count != _count)
            {
                throw new InvalidOperationException("The element's children changed while they were enumerated.");
            }

            while (++_index < _count)
            {
                if (_nodes[_index] is XmppElement element && (_name is null || (element.Name == _name && element.Namespace == _ns)))
                {
                    _current = element;
                    return true;
                }
            }

            _current = null;
            return false;
        }

        public void Reset()
        {
            _index = -1;
            _current = null;
        }

        public readonly void Dispose()
        {
        }
    }
}
