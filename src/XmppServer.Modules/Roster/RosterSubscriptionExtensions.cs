namespace XmppServer.Modules.Roster;

public static class RosterSubscriptionExtensions
{
    /// <summary>True for 'to' and 'both': the user is subscribed to the contact's presence.</summary>
    public static bool HasTo(this RosterSubscription subscription) => subscription is RosterSubscription.To or RosterSubscription.Both;

    /// <summary>True for 'from' and 'both': the contact is subscribed to the user's presence.</summary>
    public static bool HasFrom(this RosterSubscription subscription) => subscription is RosterSubscription.From or RosterSubscription.Both;

    public static RosterSubscription WithTo(this RosterSubscription subscription, bool to)
        => Make(to, subscription.HasFrom());

    public static RosterSubscription WithFrom(this RosterSubscription subscription, bool from)
        => Make(subscription.HasTo(), from);

    /// <summary>The attribute value: none, to, from or both.</summary>
    public static string ToAttributeValue(this RosterSubscription subscription) => subscription switch
    {
        RosterSubscription.To => "to",
        RosterSubscription.From => "from",
        RosterSubscription.Both => "both",
        _ => "none",
    };

    public static bool TryParse(string? value, out RosterSubscription subscription)
    {
        subscription = value switch
        {
            "none" => RosterSubscription.None,
            "to" => RosterSubscription.To,
            "from" => RosterSubscription.From,
            "both" => RosterSubscription.Both,
            _ => (RosterSubscription)(-1),
        };
        return Enum.IsDefined(subscription);
    }

    private static RosterSubscription Make(bool to, bool from) => (to, from) switch
    {
        (true, true) => RosterSubscription.Both,
        (true, false) => RosterSubscription.To,
        (false, true) => RosterSubscription.From,
        _ => RosterSubscription.None,
    };
}
