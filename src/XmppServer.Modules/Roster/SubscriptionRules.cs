using XmppServer.Protocol;

namespace XmppServer.Modules.Roster;

/// <summary>
/// The subscription state machine of RFC 6121 §3 and Appendix A, as pure functions from the state before a
/// subscription stanza to the state after it and the effects. In the RFC's terms an entry is "None", "To", "From"
/// or "Both" (the item's subscription), "+ Pending Out" (<see cref="RosterItem.Ask"/>) and "+ Pending In"
/// (<see cref="RosterEntry.PendingIn"/>); a missing item is "None".
/// </summary>
internal static class SubscriptionRules
{
    public static bool TryParseType(string? type, out SubscriptionType subscriptionType)
    {
        switch (type)
        {
            case "subscribe":
                subscriptionType = SubscriptionType.Subscribe;
                return true;
            case "subscribed":
                subscriptionType = SubscriptionType.Subscribed;
                return true;
            case "unsubscribe":
                subscriptionType = SubscriptionType.Unsubscribe;
                return true;
            case "unsubscribed":
                subscriptionType = SubscriptionType.Unsubscribed;
                return true;
            default:
                subscriptionType = default;
                return false;
        }
    }

    /// <summary>A subscription stanza the user sent to <paramref name="contact"/> (RFC 6121 Appendix A.2).</summary>
    public static SubscriptionOutcome Outbound(SubscriptionType type, RosterEntry entry, Jid contact) => type switch
    {
        SubscriptionType.Subscribe => OutboundSubscribe(entry, contact),
        SubscriptionType.Subscribed => OutboundSubscribed(entry, contact),
        SubscriptionType.Unsubscribe => OutboundUnsubscribe(entry),
        _ => OutboundUnsubscribed(entry),
    };

    /// <summary>A subscription stanza <paramref name="contact"/> sent to the user (RFC 6121 Appendix A.3).</summary>
    public static SubscriptionOutcome Inbound(SubscriptionType type, RosterEntry entry, Jid contact, string? status) => type switch
    {
        SubscriptionType.Subscribe => InboundSubscribe(entry, contact, status),
        SubscriptionType.Subscribed => InboundSubscribed(entry),
        SubscriptionType.Unsubscribe => InboundUnsubscribe(entry),
        _ => InboundUnsubscribed(entry),
    };

    private static SubscriptionOutcome OutboundSubscribe(RosterEntry entry, Jid contact)
    {
        // RFC 6121 §3.1.2: the request is always routed, even when the roster says it is pointless, so that a
        // contact's server that lost its state can resynchronise (Prosody and ejabberd route it in every state).
        var item = entry.Item ?? RosterItem.Create(contact);
        if (item.Subscription.HasTo() || item.Ask)
        {
            // A.2.1: "To", "Both" and any "Pending Out" state: no state change.
            return new(entry, SubscriptionEffects.Route);
        }

        // A.2.1: "None" -> "None + Pending Out", "From" -> "From + Pending Out"; §3.1.2: the item is created if
        // absent and pushed with ask='subscribe'.
        return new(entry with { Item = item with { Ask = true } }, SubscriptionEffects.Route);
    }

    private static SubscriptionOutcome OutboundUnsubscribe(RosterEntry entry)
    {
        // RFC 6121 §3.3.2: the unsubscribe is routed to the contact in any case.
        if (entry.Item is not { } item || !(item.Subscription.HasTo() || item.Ask))
        {
            return new(entry, SubscriptionEffects.Route);
        }

        // A.2.2: "To" -> "None", "Both" -> "From", "... + Pending Out" loses Pending Out.
        return new(entry with { Item = item with { Subscription = item.Subscription.WithTo(false), Ask = false } }, SubscriptionEffects.Route);
    }

    private static SubscriptionOutcome OutboundSubscribed(RosterEntry entry, Jid contact)
    {
        var item = entry.Item ?? RosterItem.Create(contact);
        if (item.Subscription.HasFrom())
        {
            // A.2.3: "From", "From + Pending Out", "Both": no state change, not routed.
            return new(entry, SubscriptionEffects.None);
        }

        if (entry.PendingIn is not null)
        {
            // A.2.3: "None + Pending In" -> "From", "None + Pending Out/In" -> "From + Pending Out",
            // "To + Pending In" -> "Both"; routed. §3.1.5: then the user's current presence goes to the contact.
            return new(
                new RosterEntry(item with { Subscription = item.Subscription.WithFrom(true), Approved = false }, null),
                SubscriptionEffects.Route | SubscriptionEffects.SendAvailablePresence);
        }

        // RFC 6121 §3.4.1: no request is pending, so this pre-approves one (the server advertises
        // urn:xmpp:features:pre-approval). The item is created if needed and pushed with approved='true'; nothing is
        // routed, the contact learns of it only when it asks.
        return item.Approved
            ? new(entry, SubscriptionEffects.None)
            : new(entry with { Item = item with { Approved = true } }, SubscriptionEffects.None);
    }

    private static SubscriptionOutcome OutboundUnsubscribed(RosterEntry entry)
    {
        if (entry.Item is { } item && item.Subscription.HasFrom())
        {
            // A.2.4: "From" -> "None", "From + Pending Out" -> "None + Pending Out", "Both" -> "To"; routed.
            // §3.2.2: the contact then gets unavailable presence from each of the user's available resources.
            return new(
                new RosterEntry(item with { Subscription = item.Subscription.WithFrom(false), Approved = false }, null),
                SubscriptionEffects.Route | SubscriptionEffects.SendUnavailablePresence);
        }

        if (entry.PendingIn is not null)
        {
            // A.2.4: "None + Pending In" -> "None", "None + Pending Out/In" -> "None + Pending Out",
            // "To + Pending In" -> "To": the request is denied, and the contact is told.
            return new(new RosterEntry(entry.Item is null ? null : entry.Item with { Approved = false }, null), SubscriptionEffects.Route);
        }

        if (entry.Item is { Approved: true } approved)
        {
            // RFC 6121 §3.4.1: 'unsubscribed' cancels a pre-approval; there is nothing to tell the contact.
            return new(entry with { Item = approved with { Approved = false } }, SubscriptionEffects.None);
        }

        // A.2.4: "None", "None + Pending Out", "To": no state change, not routed.
        return new(entry, SubscriptionEffects.None);
    }

    private static SubscriptionOutcome InboundSubscribe(RosterEntry entry, Jid contact, string? status)
    {
        if (entry.Item is { } item)
        {
            if (item.Subscription.HasFrom())
            {
                // RFC 6121 §3.1.3: the contact already has a subscription, so the server auto-replies 'subscribed'
                // without bothering the user (A.3.1: "From", "From + Pending Out", "Both": not delivered). Sending
                // the current presence along lets a contact that lost it see the user again (as Prosody does).
                return new(entry, SubscriptionEffects.AutoReplySubscribed | SubscriptionEffects.SendAvailablePresence);
            }

            if (item.Approved)
            {
                // RFC 6121 §3.4.2: the user pre-approved this contact: approve on the user's behalf ("None" ->
                // "From", "None + Pending Out" -> "From + Pending Out", "To" -> "Both"), and the pre-approval is used up.
                return new(
                    new RosterEntry(item with { Subscription = item.Subscription.WithFrom(true), Approved = false }, null),
                    SubscriptionEffects.AutoReplySubscribed | SubscriptionEffects.SendAvailablePresence);
            }
        }

        if (entry.PendingIn is not null)
        {
            // A.3.1: "... + Pending In": no state change, not delivered again (the stored request is re-delivered
            // when the user next comes online; §3.1.3 keeps only one request per contact).
            return new(entry, SubscriptionEffects.None);
        }

        // A.3.1: "None" -> "None + Pending In", "None + Pending Out" -> "None + Pending Out/In", "To" ->
        // "To + Pending In"; delivered. §3.1.3: the request is kept until the user answers, so that it can be
        // delivered when the user has no available resource now.
        return new(entry with { PendingIn = new PendingSubscription(contact, status) }, SubscriptionEffects.Deliver);
    }

    private static SubscriptionOutcome InboundSubscribed(RosterEntry entry)
    {
        if (entry.Item is { Ask: true } item && !item.Subscription.HasTo())
        {
            // A.3.2: "None + Pending Out" -> "To", "None + Pending Out/In" -> "To + Pending In",
            // "From + Pending Out" -> "Both"; delivered and pushed (§3.1.6).
            return new(entry with { Item = item with { Subscription = item.Subscription.WithTo(true), Ask = false } }, SubscriptionEffects.Deliver);
        }

        // A.3.2: every other state: no state change, not delivered (an approval nobody asked for is dropped).
        return new(entry, SubscriptionEffects.None);
    }

    private static SubscriptionOutcome InboundUnsubscribe(RosterEntry entry)
    {
        if (entry.Item is { } item && item.Subscription.HasFrom())
        {
            // A.3.3: "From" -> "None", "From + Pending Out" -> "None + Pending Out", "Both" -> "To"; delivered and
            // pushed. §3.3.3: the contact then gets unavailable presence from each of the user's available resources.
            return new(
                new RosterEntry(item with { Subscription = item.Subscription.WithFrom(false) }, null),
                SubscriptionEffects.Deliver | SubscriptionEffects.SendUnavailablePresence);
        }

        if (entry.PendingIn is not null)
        {
            // A.3.3: "None + Pending In" -> "None", "None + Pending Out/In" -> "None + Pending Out",
            // "To + Pending In" -> "To": the contact withdrew its request.
            return new(entry with { PendingIn = null }, SubscriptionEffects.Deliver);
        }

        // A.3.3: "None", "None + Pending Out", "To": no state change, not delivered.
        return new(entry, SubscriptionEffects.None);
    }

    private static SubscriptionOutcome InboundUnsubscribed(RosterEntry entry)
    {
        if (entry.Item is { } item && (item.Subscription.HasTo() || item.Ask))
        {
            // A.3.4: "None + Pending Out" -> "None", "None + Pending Out/In" -> "None + Pending In", "To" -> "None",
            // "To + Pending In" -> "None + Pending In", "From + Pending Out" -> "From", "Both" -> "From"; delivered
            // and pushed (§3.2.3).
            return new(entry with { Item = item with { Subscription = item.Subscription.WithTo(false), Ask = false } }, SubscriptionEffects.Deliver);
        }

        // A.3.4: "None", "None + Pending In", "From": no state change, not delivered.
        return new(entry, SubscriptionEffects.None);
    }
}
