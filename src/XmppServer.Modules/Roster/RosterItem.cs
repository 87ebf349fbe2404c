using XmppServer.Protocol;

namespace XmppServer.Modules.Roster;

/// <summary>
/// One contact in a user's roster (RFC 6121 §2.1.2). Subscription state follows RFC 6121 Appendix A: the
/// 'subscription' attribute, <see cref="Ask"/> for "Pending Out", and <see cref="Approved"/> for a pre-approval
/// (§3.4). "Pending In" is not part of the item: it is a <see cref="PendingSubscription"/> kept beside it, because
/// RFC 6121 §3.1.3 keeps a request from someone not yet in the roster out of the roster.
/// </summary>
/// <param name="Jid">The contact's bare JID.</param>
/// <param name="Name">The handle the user gave the contact, or null.</param>
/// <param name="Groups">The groups the item is in, each once, in the order the client gave them.</param>
/// <param name="Subscription">none, to, from or both.</param>
/// <param name="Ask">The user asked to subscribe to the contact and has no answer yet (ask='subscribe').</param>
/// <param name="Approved">The user pre-approved a subscription request from the contact (approved='true').</param>
public sealed record RosterItem(Jid Jid, string? Name, IReadOnlyList<string> Groups, RosterSubscription Subscription, bool Ask, bool Approved)
{
    /// <summary>A new item with no name, no groups and no subscription.</summary>
    public static RosterItem Create(Jid jid) => new(jid, null, [], RosterSubscription.None, false, false);

    public bool Equals(RosterItem? other)
        => other is not null
            && Jid == other.Jid
            && Name == other.Name
            && Subscription == other.Subscription
            && Ask == other.Ask
            && Approved == other.Approved
            && Groups.SequenceEqual(other.Groups, StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(Jid, Name, Subscription, Ask, Approved, Groups.Count);
}
