using XmppServer.Modules.Roster;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Roster;

/// <summary>
/// Translates between RFC 6121 Appendix A state names ("None + Pending Out/In", "From + Pending Out", …) and roster
/// entries, so that the tests read like the RFC's tables. "+ Pre-approved" marks approved='true'.
/// </summary>
internal static class RfcState
{
    public static RosterEntry Parse(string state, Jid contact)
    {
        var parts = state.Split(" + ");
        if (!RosterSubscriptionExtensions.TryParse(parts[0].ToLowerInvariant(), out var subscription))
        {
            throw new ArgumentException($"Unknown state '{state}'.", nameof(state));
        }

        var ask = parts.Contains("Pending Out") || parts.Contains("Pending Out/In");
        var pendingIn = parts.Contains("Pending In") || parts.Contains("Pending Out/In");
        var approved = parts.Contains("Pre-approved");

        // "None + Pending In" alone is a request from someone not in the roster (RFC 6121 §3.1.3): no item.
        var item = subscription == RosterSubscription.None && !ask && !approved && pendingIn
            ? null
            : new RosterItem(contact, null, [], subscription, ask, approved);
        return new RosterEntry(item, pendingIn ? new PendingSubscription(contact, null) : null);
    }

    public static string Describe(RosterEntry entry)
    {
        var item = entry.Item;
        var subscription = item?.Subscription ?? RosterSubscription.None;
        var text = subscription.ToString();
        var ask = item?.Ask == true;
        var pendingIn = entry.PendingIn is not null;
        text += (ask, pendingIn) switch
        {
            (true, true) => " + Pending Out/In",
            (true, false) => " + Pending Out",
            (false, true) => " + Pending In",
            _ => string.Empty,
        };
        if (item?.Approved == true)
        {
            text += " + Pre-approved";
        }

        return text;
    }
}
