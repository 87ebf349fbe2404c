using XmppServer.Protocol;

namespace XmppServer.Core;

/// <summary>A stanza queued for a client, with the size it was charged to the session's byte budget.</summary>
internal readonly record struct OutboundStanza(XmppElement Stanza, int Size)
{
    /// <summary>Queued to wake the write loop (<see cref="ClientSession.WakeWriter"/>): no stanza, no size.</summary>
    public static OutboundStanza WakeUp => default;

    /// <summary>True for <see cref="WakeUp"/>, which readers pass over.</summary>
    public bool IsWakeUp => Stanza is null;

    /// <summary>
    /// About the bytes the writer will produce: names, attribute values and text, one byte per character, plus the
    /// markup around them. A routed element is shared and never changed (the router's contract), so it is measured
    /// once per recipient, and the same figure is released as was charged.
    /// </summary>
    public static int EstimateSize(XmppElement element)
    {
        var size = Estimate(element);
        return size > int.MaxValue ? int.MaxValue : (int)size;
    }

    // Indexed loops: a foreach over the IReadOnlyList properties would box an enumerator on every send.
    private static long Estimate(XmppElement element)
    {
        long size = (2L * element.Name.Length) + 5; // <name ...></name>
        var attributes = element.Attributes;
        for (var i = 0; i < attributes.Count; i++)
        {
            size += attributes[i].Name.Length + attributes[i].Value.Length + 4; // ' name=''
        }

        var nodes = element.Nodes;
        for (var i = 0; i < nodes.Count; i++)
        {
            size += nodes[i] switch
            {
                XmppElement child => Estimate(child),
                XmppText text => text.Value.Length,
                _ => 0,
            };
        }

        return size;
    }
}
