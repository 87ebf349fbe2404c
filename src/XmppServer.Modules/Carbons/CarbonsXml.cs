using XmppServer.Protocol;

namespace XmppServer.Modules.Carbons;

/// <summary>Names and wrapping of Message Carbons (XEP-0280) and Stanza Forwarding (XEP-0297).</summary>
internal static class CarbonsXml
{
    public const string Carbons = "urn:xmpp:carbons:2";
    public const string Forward = "urn:xmpp:forward:0";
    public const string Hints = "urn:xmpp:hints";
    public const string Receipts = "urn:xmpp:receipts";
    public const string ChatStates = "http://jabber.org/protocol/chatstates";
    public const string ChatMarkers = "urn:xmpp:chat-markers:0";
    public const string MucUser = "http://jabber.org/protocol/muc#user";
    public const string DirectInvitation = "jabber:x:conference";

    /// <summary>
    /// A copy of the message to forward. It is cloned once per event and shared by every wrapper: the original goes on
    /// to its recipient and must not be mutated, and elements have no parent, so one copy can sit in several wrappers.
    /// </summary>
    public static XmppElement ForwardedCopy(XmppElement message) => message.Clone();

    /// <summary>
    /// XEP-0280 §7, §8: the wrapper keeps the original 'type', comes from the account's bare JID and goes to the full
    /// JID of the copied resource; it holds &lt;sent/&gt; or &lt;received/&gt; with a XEP-0297 &lt;forwarded/&gt;
    /// around the original message.
    /// </summary>
    public static XmppElement Wrap(XmppElement forwardedCopy, CarbonDirection direction, Jid account, Jid resource)
    {
        var wrapper = new XmppElement("message", Namespaces.Client)
        {
            From = account.ToString(),
            To = resource.ToString(),
        };
        if (forwardedCopy.Type is { } type)
        {
            wrapper.Type = type;
        }

        wrapper.AddElement(direction == CarbonDirection.Sent ? "sent" : "received", Carbons)
            .AddElement("forwarded", Forward)
            .Add(forwardedCopy);
        return wrapper;
    }
}
