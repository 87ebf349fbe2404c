using XmppServer.Protocol;

namespace XmppServer.Core;

/// <summary>A stanza queued for a client, with the size it was charged to the session's byte budget.</summary>
internal readonly record struct OutboundStanza(XmppElement Stanza, int Size)
{
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

    private static long Estimate(XmppElement element)
    {
        long size = (2L * element.Name.Length) + 5; // <name ...></name>
        foreach (var attribute in element.Attributes)
        {
            size += attribute.Name.Length + attribute.Value.Length + 4; // ' name=''
        }

        foreach (var node in element.Nodes)
        {
            size += node switch
            {
                XmppElement child => Estimate(child),
                XmppText text => text.Value.Length,
                _ => 0,
            };
        }

        return size;
    }
}
