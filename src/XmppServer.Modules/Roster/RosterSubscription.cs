namespace XmppServer.Modules.Roster;

/// <summary>The 'subscription' attribute of a roster item (RFC 6121 §2.1.2.5).</summary>
public enum RosterSubscription
{
    /// <summary>Neither the user nor the contact receives the other's presence.</summary>
    None,

    /// <summary>The user receives the contact's presence.</summary>
    To,

    /// <summary>The contact receives the user's presence.</summary>
    From,

    /// <summary>Both receive each other's presence.</summary>
    Both,
}
