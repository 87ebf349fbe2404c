namespace XmppServer.Modules.Roster;

/// <summary>
/// Everything the server knows about one contact of one user: the roster item if the contact is in the roster,
/// and the inbound request if one is pending. Both null means the server knows nothing about the contact.
/// </summary>
public sealed record RosterEntry(RosterItem? Item, PendingSubscription? PendingIn)
{
    public static RosterEntry Empty { get; } = new(null, null);

    public bool IsEmpty => Item is null && PendingIn is null;
}
