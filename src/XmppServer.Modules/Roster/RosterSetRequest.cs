using XmppServer.Core.Modules;
using XmppServer.Protocol;

namespace XmppServer.Modules.Roster;

/// <summary>A client's roster set (RFC 6121 §2.1.5): add or update one item, or remove it.</summary>
internal sealed record RosterSetRequest(Jid Jid, string? Name, IReadOnlyList<string> Groups, bool Remove)
{
    /// <summary>Validates a roster set; returns the error to answer with, or null and the request.</summary>
    public static IqResult? TryParse(XmppElement query, RosterOptions options, out RosterSetRequest? request)
    {
        request = null;

        // RFC 6121 §2.3.3: a roster set with more than one item is bad-request (and one with none has nothing to set).
        XmppElement? item = null;
        foreach (var child in query.Elements())
        {
            if (item is not null || !child.Is("item", Namespaces.Roster))
            {
                return IqResult.Fail(StanzaErrorCondition.BadRequest, text: "A roster set carries exactly one item.");
            }

            item = child;
        }

        if (item is null)
        {
            return IqResult.Fail(StanzaErrorCondition.BadRequest, text: "A roster set carries exactly one item.");
        }

        // RFC 6121 §2.1.2.3: 'jid' is required; RFC 6120 §8.3.3.8: an unparsable address is jid-malformed.
        var jidValue = item.GetAttribute("jid");
        if (jidValue is null)
        {
            return IqResult.Fail(StanzaErrorCondition.BadRequest, text: "The item has no 'jid'.");
        }

        if (!Jid.TryParse(jidValue, out var jid))
        {
            return IqResult.Fail(StanzaErrorCondition.JidMalformed);
        }

        // RFC 6121 §3: subscriptions are between bare JIDs, so an item for a full JID could never be subscribed to.
        if (jid.IsFull)
        {
            return IqResult.Fail(StanzaErrorCondition.BadRequest, text: "Roster items are bare JIDs.");
        }

        // RFC 6121 §2.1.2.5: in a roster set the server ignores every 'subscription' value but "remove"; §2.1.2.2 and
        // §2.1.2.1: 'ask' and 'approved' from a client are ignored too (they change only through presence).
        if (item.GetAttribute("subscription") == "remove")
        {
            request = new RosterSetRequest(jid, null, [], Remove: true);
            return null;
        }

        // RFC 6121 §2.3.3: a name longer than the server's limit is not-acceptable. An empty name means no name.
        var name = item.GetAttribute("name");
        if (name is { Length: 0 })
        {
            name = null;
        }
        else if (name is not null && name.Length > options.MaxNameLength)
        {
            return IqResult.Fail(StanzaErrorCondition.NotAcceptable, text: "The item name is too long.");
        }

        var groups = new List<string>();
        foreach (var group in item.Elements("group", Namespaces.Roster))
        {
            var text = group.Text;

            // RFC 6121 §2.3.3: an empty or over-long group name is not-acceptable; a repeated one is bad-request.
            if (text.Length == 0 || text.Length > options.MaxGroupLength)
            {
                return IqResult.Fail(StanzaErrorCondition.NotAcceptable, text: "A group name is empty or too long.");
            }

            if (groups.Contains(text, StringComparer.Ordinal))
            {
                return IqResult.Fail(StanzaErrorCondition.BadRequest, text: "A group is named twice.");
            }

            groups.Add(text);
        }

        if (groups.Count > options.MaxGroupsPerItem)
        {
            return IqResult.Fail(StanzaErrorCondition.NotAcceptable, text: "The item is in too many groups.");
        }

        request = new RosterSetRequest(jid, name, groups, Remove: false);
        return null;
    }
}
