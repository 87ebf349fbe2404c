namespace XmppServer.Modules.Roster;

/// <summary>The four presence types that manage subscriptions (RFC 6121 §3).</summary>
internal enum SubscriptionType
{
    Subscribe,
    Subscribed,
    Unsubscribe,
    Unsubscribed,
}
