namespace XmppServer.Modules.Roster;

/// <summary>What the server does besides updating the roster when a subscription stanza is processed.</summary>
[Flags]
internal enum SubscriptionEffects
{
    None = 0,

    /// <summary>Outbound: route the stanza to the contact, from the user's bare JID.</summary>
    Route = 1,

    /// <summary>Inbound: deliver the stanza to the user's available resources.</summary>
    Deliver = 2,

    /// <summary>Inbound subscribe: answer 'subscribed' on the user's behalf.</summary>
    AutoReplySubscribed = 4,

    /// <summary>The contact just gained a subscription from the user: send it the presence of each available resource.</summary>
    SendAvailablePresence = 8,

    /// <summary>The contact just lost its subscription: send it unavailable presence from each available resource.</summary>
    SendUnavailablePresence = 16,
}
