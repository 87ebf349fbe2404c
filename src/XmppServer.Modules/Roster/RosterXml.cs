using XmppServer.Protocol;

namespace XmppServer.Modules.Roster;

/// <summary>Writes jabber:iq:roster payloads (RFC 6121 §2.1).</summary>
internal static class RosterXml
{
    /// <summary>&lt;query xmlns='jabber:iq:roster' ver='…'&gt; with the given items.</summary>
    public static XmppElement Query(string version, IEnumerable<RosterItem> items)
    {
        var query = new XmppElement("query", Namespaces.Roster).SetAttribute("ver", version);
        foreach (var item in items)
        {
            query.Add(Item(item));
        }

        return query;
    }

    /// <summary>An &lt;item/&gt; as the server returns and pushes it (RFC 6121 §2.1.2).</summary>
    public static XmppElement Item(RosterItem item)
    {
        var element = new XmppElement("item", Namespaces.Roster)
            .SetAttribute("jid", item.Jid.ToString())
            .SetAttribute("name", item.Name)
            .SetAttribute("subscription", item.Subscription.ToAttributeValue());

        // RFC 6121 §2.1.2.2: ask='subscribe' shows "Pending Out"; §2.1.2.1: approved='true' shows a pre-approval.
        if (item.Ask)
        {
            element.SetAttribute("ask", "subscribe");
        }

        if (item.Approved)
        {
            element.SetAttribute("approved", "true");
        }

        foreach (var group in item.Groups)
        {
            element.AddTextElement("group", Namespaces.Roster, group);
        }

        return element;
    }

    /// <summary>RFC 6121 §2.5.2: a removal is pushed as subscription='remove'.</summary>
    public static XmppElement RemovedItem(Jid contact)
        => new XmppElement("item", Namespaces.Roster)
            .SetAttribute("jid", contact.ToString())
            .SetAttribute("subscription", "remove");
}
