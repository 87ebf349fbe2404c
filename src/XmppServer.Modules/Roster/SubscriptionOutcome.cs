namespace XmppServer.Modules.Roster;

/// <summary>The state after a subscription stanza and what to do about it.</summary>
internal readonly record struct SubscriptionOutcome(RosterEntry After, SubscriptionEffects Effects)
{
    public bool Has(SubscriptionEffects effect) => (Effects & effect) == effect;
}
