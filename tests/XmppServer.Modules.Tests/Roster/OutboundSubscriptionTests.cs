using XmppServer.Modules.Roster;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Roster;

/// <summary>RFC 6121 Appendix A.2: subscription stanzas the user sends, one test row per table row.</summary>
public sealed class OutboundSubscriptionTests
{
    private const string Juliet = "juliet@example.com";
    private const string Romeo = "romeo@example.net";

    public static TheoryData<string, string, bool, string> Rows => new()
    {
        // A.2.1 subscribe: always routed (RFC 6121 §3.1.2), so a contact's server that lost state can catch up.
        { "subscribe", "None", true, "None + Pending Out" },
        { "subscribe", "None + Pending Out", true, "None + Pending Out" },
        { "subscribe", "None + Pending In", true, "None + Pending Out/In" },
        { "subscribe", "None + Pending Out/In", true, "None + Pending Out/In" },
        { "subscribe", "To", true, "To" },
        { "subscribe", "To + Pending In", true, "To + Pending In" },
        { "subscribe", "From", true, "From + Pending Out" },
        { "subscribe", "From + Pending Out", true, "From + Pending Out" },
        { "subscribe", "Both", true, "Both" },

        // A.2.2 unsubscribe: always routed (RFC 6121 §3.3.2).
        { "unsubscribe", "None", true, "None" },
        { "unsubscribe", "None + Pending Out", true, "None" },
        { "unsubscribe", "None + Pending In", true, "None + Pending In" },
        { "unsubscribe", "None + Pending Out/In", true, "None + Pending In" },
        { "unsubscribe", "To", true, "None" },
        { "unsubscribe", "To + Pending In", true, "None + Pending In" },
        { "unsubscribe", "From", true, "From" },
        { "unsubscribe", "From + Pending Out", true, "From" },
        { "unsubscribe", "Both", true, "From" },

        // A.2.3 subscribed: with no request pending it is a pre-approval (§3.4), which is not routed.
        { "subscribed", "None", false, "None + Pre-approved" },
        { "subscribed", "None + Pending Out", false, "None + Pending Out + Pre-approved" },
        { "subscribed", "None + Pending In", true, "From" },
        { "subscribed", "None + Pending Out/In", true, "From + Pending Out" },
        { "subscribed", "To", false, "To + Pre-approved" },
        { "subscribed", "To + Pending In", true, "Both" },
        { "subscribed", "From", false, "From" },
        { "subscribed", "From + Pending Out", false, "From + Pending Out" },
        { "subscribed", "Both", false, "Both" },

        // A.2.4 unsubscribed.
        { "unsubscribed", "None", false, "None" },
        { "unsubscribed", "None + Pending Out", false, "None + Pending Out" },
        { "unsubscribed", "None + Pending In", true, "None" },
        { "unsubscribed", "None + Pending Out/In", true, "None + Pending Out" },
        { "unsubscribed", "To", false, "To" },
        { "unsubscribed", "To + Pending In", true, "To" },
        { "unsubscribed", "From", true, "None" },
        { "unsubscribed", "From + Pending Out", true, "None + Pending Out" },
        { "unsubscribed", "Both", true, "To" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Outbound_StateTableRow_RoutesAndUpdatesAsRfc6121AppendixA2(string type, string before, bool routed, string after)
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony", interested: true);
        var contact = Jid.Parse(Romeo);
        await harness.SeedAsync(Juliet, RfcState.Parse(before, contact));
        var itemBefore = (await harness.EntryAsync(Juliet, Romeo)).Item;

        var handled = await harness.SendAsync(session, type, Romeo + "/orchard");

        Assert.True(handled);
        var entry = await harness.EntryAsync(Juliet, Romeo);
        Assert.Equal(after, RfcState.Describe(entry));

        // §3.1.2: routed from the user's bare JID to the contact's bare JID.
        var subscriptionStanzas = harness.Router.TakeRouted().Where(p => p.Type == type).ToList();
        if (routed)
        {
            var stanza = Assert.Single(subscriptionStanzas);
            Assert.Equal(Juliet, stanza.From);
            Assert.Equal(Romeo, stanza.To);
        }
        else
        {
            Assert.Empty(subscriptionStanzas);
        }

        // A change of the item is pushed to interested resources; no change, no push.
        var pushes = RosterHarness.Pushes(session.TakeSent());
        if (Equals(itemBefore, entry.Item))
        {
            Assert.Empty(pushes);
        }
        else
        {
            var push = Assert.Single(pushes);
            var item = push.Element("query", Namespaces.Roster)!.Element("item", Namespaces.Roster)!;
            Assert.Equal(Romeo, item.GetAttribute("jid"));
            Assert.Equal(entry.Item!.Subscription.ToAttributeValue(), item.GetAttribute("subscription"));
            Assert.Equal(entry.Item.Ask ? "subscribe" : null, item.GetAttribute("ask"));
            Assert.Equal(entry.Item.Approved ? "true" : null, item.GetAttribute("approved"));
        }
    }

    [Fact]
    public async Task Subscribe_UnknownContact_CreatesItemWithAskAndPushes()
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony", interested: true);

        await harness.SendAsync(session, "subscribe", Romeo);

        var entry = await harness.EntryAsync(Juliet, Romeo);
        Assert.Equal(RosterSubscription.None, entry.Item!.Subscription);
        Assert.True(entry.Item.Ask);
        var push = Assert.Single(RosterHarness.Pushes(session.TakeSent()));
        Assert.Equal("subscribe", push.Element("query", Namespaces.Roster)!.Element("item", Namespaces.Roster)!.GetAttribute("ask"));
    }

    [Fact]
    public async Task Subscribe_KeepsStatusAndOtherContent()
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony");
        var presence = RosterHarness.Presence("subscribe", Romeo);
        presence.From = session.Jid.ToString();
        presence.Id = "sub1";
        presence.AddTextElement("status", Namespaces.Client, "It's Juliet");

        await harness.Host.RunHooksAsync(Core.Routing.StanzaDirection.Outbound, presence, session);

        var routed = Assert.Single(harness.Router.TakeRouted());
        Assert.Equal("sub1", routed.Id);
        Assert.Equal("It's Juliet", routed.ElementText("status", Namespaces.Client));
    }

    [Fact]
    public async Task Subscribe_RosterFullForNewContact_BouncesResourceConstraint()
    {
        var harness = new RosterHarness(maxItems: 1);
        var session = harness.Connect(Juliet + "/balcony");
        await harness.SeedAsync(Juliet, new RosterEntry(RosterItem.Create(Jid.Parse("nurse@example.com")), null));

        var handled = await harness.SendAsync(session, "subscribe", Romeo);

        Assert.True(handled);
        Assert.Empty(harness.Router.TakeRouted());
        Assert.True(harness.Router.Bounced.TryDequeue(out var bounce));
        Assert.Equal(StanzaErrorCondition.ResourceConstraint, bounce.Condition);
        Assert.True((await harness.EntryAsync(Juliet, Romeo)).IsEmpty);
    }

    [Fact]
    public async Task Subscribe_ToOwnBareJid_DroppedWithoutRosterChange()
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony");

        var handled = await harness.SendAsync(session, "subscribe", Juliet);

        Assert.True(handled);
        Assert.Empty(harness.Router.TakeRouted());
        Assert.Empty((await harness.Store.GetRosterAsync(Jid.Parse(Juliet), CancellationToken.None)).Items);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("unavailable")]
    [InlineData("probe")]
    [InlineData("error")]
    public async Task Outbound_OtherPresenceTypes_NotHandled(string? type)
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony");

        var handled = await harness.SendAsync(session, type, Romeo);

        Assert.False(handled);
        Assert.Empty(harness.Router.TakeRouted());
    }

    [Fact]
    public async Task Subscribed_ApprovingRequest_SendsPresenceOfEachAvailableResource()
    {
        var harness = new RosterHarness();
        var balcony = harness.Connect(Juliet + "/balcony", available: true);
        harness.Connect(Juliet + "/chamber", available: true);
        harness.Connect(Juliet + "/garden");
        await harness.SeedAsync(Juliet, RfcState.Parse("None + Pending In", Jid.Parse(Romeo)));

        await harness.SendAsync(balcony, "subscribed", Romeo);

        // RFC 6121 §3.1.5: first the approval, then the current presence of every available resource.
        var routed = harness.Router.TakeRouted();
        Assert.Equal("subscribed", routed[0].Type);
        var presences = routed.Skip(1).ToList();
        Assert.Equal(2, presences.Count);
        Assert.All(presences, p => Assert.Null(p.Type));
        Assert.All(presences, p => Assert.Equal(Romeo, p.To));
        Assert.Equal([Juliet + "/balcony", Juliet + "/chamber"], presences.Select(p => p.From));
    }

    [Fact]
    public async Task Unsubscribed_CancellingSubscription_SendsUnavailableFromEachAvailableResource()
    {
        var harness = new RosterHarness();
        var balcony = harness.Connect(Juliet + "/balcony", available: true);
        await harness.SeedAsync(Juliet, RfcState.Parse("Both", Jid.Parse(Romeo)));

        await harness.SendAsync(balcony, "unsubscribed", Romeo);

        // RFC 6121 §3.2.2: the contact sees the user go offline.
        var routed = harness.Router.TakeRouted();
        Assert.Equal("unsubscribed", routed[0].Type);
        var unavailable = Assert.Single(routed, p => p.Type == "unavailable");
        Assert.Equal(Juliet + "/balcony", unavailable.From);
        Assert.Equal(Romeo, unavailable.To);
    }

    [Fact]
    public async Task Unsubscribed_CancelsPreApproval_WithoutRouting()
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony", interested: true);
        await harness.SendAsync(session, "subscribed", Romeo);
        Assert.True((await harness.EntryAsync(Juliet, Romeo)).Item!.Approved);
        session.TakeSent();

        await harness.SendAsync(session, "unsubscribed", Romeo);

        Assert.False((await harness.EntryAsync(Juliet, Romeo)).Item!.Approved);
        Assert.Empty(harness.Router.TakeRouted());
        var push = Assert.Single(RosterHarness.Pushes(session.TakeSent()));
        Assert.Null(push.Element("query", Namespaces.Roster)!.Element("item", Namespaces.Roster)!.GetAttribute("approved"));
    }
}
