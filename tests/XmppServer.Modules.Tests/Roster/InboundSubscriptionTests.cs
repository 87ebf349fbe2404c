using XmppServer.Modules.Roster;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Roster;

/// <summary>RFC 6121 Appendix A.3: subscription stanzas arriving for the user, one test row per table row.</summary>
public sealed class InboundSubscriptionTests
{
    private const string Juliet = "juliet@example.com";
    private const string Romeo = "romeo@example.net";

    public static TheoryData<string, string, bool, string> Rows => new()
    {
        // A.3.1 subscribe: in "From", "From + Pending Out" and "Both" the server answers itself (tested below).
        { "subscribe", "None", true, "None + Pending In" },
        { "subscribe", "None + Pending Out", true, "None + Pending Out/In" },
        { "subscribe", "None + Pending In", false, "None + Pending In" },
        { "subscribe", "None + Pending Out/In", false, "None + Pending Out/In" },
        { "subscribe", "To", true, "To + Pending In" },
        { "subscribe", "To + Pending In", false, "To + Pending In" },
        { "subscribe", "From", false, "From" },
        { "subscribe", "From + Pending Out", false, "From + Pending Out" },
        { "subscribe", "Both", false, "Both" },

        // A.3.2 subscribed.
        { "subscribed", "None", false, "None" },
        { "subscribed", "None + Pending Out", true, "To" },
        { "subscribed", "None + Pending In", false, "None + Pending In" },
        { "subscribed", "None + Pending Out/In", true, "To + Pending In" },
        { "subscribed", "To", false, "To" },
        { "subscribed", "To + Pending In", false, "To + Pending In" },
        { "subscribed", "From", false, "From" },
        { "subscribed", "From + Pending Out", true, "Both" },
        { "subscribed", "Both", false, "Both" },

        // A.3.3 unsubscribe.
        { "unsubscribe", "None", false, "None" },
        { "unsubscribe", "None + Pending Out", false, "None + Pending Out" },
        { "unsubscribe", "None + Pending In", true, "None" },
        { "unsubscribe", "None + Pending Out/In", true, "None + Pending Out" },
        { "unsubscribe", "To", false, "To" },
        { "unsubscribe", "To + Pending In", true, "To" },
        { "unsubscribe", "From", true, "None" },
        { "unsubscribe", "From + Pending Out", true, "None + Pending Out" },
        { "unsubscribe", "Both", true, "To" },

        // A.3.4 unsubscribed.
        { "unsubscribed", "None", false, "None" },
        { "unsubscribed", "None + Pending Out", true, "None" },
        { "unsubscribed", "None + Pending In", false, "None + Pending In" },
        { "unsubscribed", "None + Pending Out/In", true, "None + Pending In" },
        { "unsubscribed", "To", true, "None" },
        { "unsubscribed", "To + Pending In", true, "None + Pending In" },
        { "unsubscribed", "From", false, "From" },
        { "unsubscribed", "From + Pending Out", true, "From" },
        { "unsubscribed", "Both", true, "From" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Inbound_StateTableRow_DeliversAndUpdatesAsRfc6121AppendixA3(string type, string before, bool delivered, string after)
    {
        var harness = new RosterHarness();
        var balcony = harness.Connect(Juliet + "/balcony", available: true, interested: true);
        var chamber = harness.Connect(Juliet + "/chamber", available: true);
        var offline = harness.Connect(Juliet + "/garden");
        await harness.SeedAsync(Juliet, RfcState.Parse(before, Jid.Parse(Romeo)));
        var itemBefore = (await harness.EntryAsync(Juliet, Romeo)).Item;

        var handled = await harness.ReceiveAsync(type, Romeo + "/orchard", Juliet);

        Assert.True(handled);
        var entry = await harness.EntryAsync(Juliet, Romeo);
        Assert.Equal(after, RfcState.Describe(entry));

        // Delivered to every available resource, from the contact's bare JID; "no" rows are dropped, never bounced.
        var balconySent = balcony.TakeSent();
        foreach (var sent in new[] { balconySent, chamber.TakeSent() })
        {
            var got = sent.Where(s => s.Name == "presence" && s.Type == type).ToList();
            if (delivered)
            {
                var presence = Assert.Single(got);
                Assert.Equal(Romeo, presence.From);
                Assert.Equal(Juliet, presence.To);
            }
            else
            {
                Assert.Empty(got);
            }
        }

        Assert.Empty(offline.TakeSent());
        Assert.Empty(harness.Router.Bounced);

        // A change of the item is pushed to the interested resource; no change, no push.
        var pushes = RosterHarness.Pushes(balconySent);
        if (Equals(itemBefore, entry.Item))
        {
            Assert.Empty(pushes);
        }
        else
        {
            var item = Assert.Single(pushes).Element("query", Namespaces.Roster)!.Element("item", Namespaces.Roster)!;
            Assert.Equal(entry.Item!.Subscription.ToAttributeValue(), item.GetAttribute("subscription"));
            Assert.Equal(entry.Item.Ask ? "subscribe" : null, item.GetAttribute("ask"));
        }
    }

    [Theory]
    [InlineData("From")]
    [InlineData("From + Pending Out")]
    [InlineData("Both")]
    public async Task Subscribe_AlreadySubscribed_AutoRepliesSubscribedWithoutBotheringUser(string state)
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony", available: true);
        await harness.SeedAsync(Juliet, RfcState.Parse(state, Jid.Parse(Romeo)));

        await harness.ReceiveAsync("subscribe", Romeo, Juliet);

        // RFC 6121 §3.1.3: 'subscribed' from the user's bare JID, plus the current presence (as Prosody does).
        var routed = harness.Router.TakeRouted();
        var reply = Assert.Single(routed, p => p.Type == "subscribed");
        Assert.Equal(Juliet, reply.From);
        Assert.Equal(Romeo, reply.To);
        Assert.Contains(routed, p => p.Type is null && p.From == Juliet + "/balcony" && p.To == Romeo);
        Assert.Empty(session.TakeSent());
        Assert.Equal(state, RfcState.Describe(await harness.EntryAsync(Juliet, Romeo)));
    }

    [Theory]
    [InlineData("None + Pre-approved", "From")]
    [InlineData("None + Pending Out + Pre-approved", "From + Pending Out")]
    [InlineData("To + Pre-approved", "Both")]
    public async Task Subscribe_PreApproved_ApprovedAutomaticallyAndPushed(string before, string after)
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony", available: true, interested: true);
        await harness.SeedAsync(Juliet, RfcState.Parse(before, Jid.Parse(Romeo)));

        await harness.ReceiveAsync("subscribe", Romeo, Juliet);

        // RFC 6121 §3.4.2: the server approves on the user's behalf; the pre-approval is used up.
        Assert.Equal(after, RfcState.Describe(await harness.EntryAsync(Juliet, Romeo)));
        var routed = harness.Router.TakeRouted();
        Assert.Single(routed, p => p.Type == "subscribed" && p.From == Juliet && p.To == Romeo);
        Assert.Contains(routed, p => p.Type is null && p.From == Juliet + "/balcony");
        var sent = session.TakeSent();
        Assert.DoesNotContain(sent, s => s.Name == "presence");
        var push = Assert.Single(RosterHarness.Pushes(sent));
        Assert.Null(push.Element("query", Namespaces.Roster)!.Element("item", Namespaces.Roster)!.GetAttribute("approved"));
    }

    [Fact]
    public async Task Subscribe_FromStranger_StoredAsPendingNotAsRosterItem()
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony", available: true, interested: true);

        await harness.ReceiveAsync("subscribe", Romeo + "/orchard", Juliet, status: "I'd like to add you");

        var entry = await harness.EntryAsync(Juliet, Romeo);
        Assert.Null(entry.Item);
        Assert.Equal("I'd like to add you", entry.PendingIn!.Status);
        var sent = session.TakeSent();
        Assert.Empty(RosterHarness.Pushes(sent));
        var request = Assert.Single(sent);
        Assert.Equal("subscribe", request.Type);
        Assert.Equal("I'd like to add you", request.ElementText("status", Namespaces.Client));
        Assert.Empty((await harness.Store.GetRosterAsync(Jid.Parse(Juliet), CancellationToken.None)).Items);
    }

    [Fact]
    public async Task Subscribe_ToFullJid_TreatedAsBareJid()
    {
        var harness = new RosterHarness();
        var balcony = harness.Connect(Juliet + "/balcony", available: true);
        var chamber = harness.Connect(Juliet + "/chamber", available: true);

        await harness.ReceiveAsync("subscribe", Romeo, Juliet + "/balcony");

        Assert.NotNull((await harness.EntryAsync(Juliet, Romeo)).PendingIn);
        Assert.Single(balcony.TakeSent());
        Assert.Single(chamber.TakeSent());
    }

    [Fact]
    public async Task Subscribe_TooManyPendingRequests_DroppedSilently()
    {
        var harness = new RosterHarness(maxItems: 1);
        harness.Connect(Juliet + "/balcony", available: true);
        await harness.ReceiveAsync("subscribe", "nurse@example.com", Juliet);

        var handled = await harness.ReceiveAsync("subscribe", Romeo, Juliet);

        Assert.True(handled);
        Assert.Null((await harness.EntryAsync(Juliet, Romeo)).PendingIn);
        Assert.Empty(harness.Router.Bounced);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("unavailable")]
    [InlineData("probe")]
    public async Task Inbound_OtherPresenceTypes_NotHandled(string? type)
    {
        var harness = new RosterHarness();

        var handled = await harness.ReceiveAsync(type, Romeo, Juliet);

        Assert.False(handled);
    }

    [Fact]
    public async Task Unsubscribe_FromSubscriber_SendsUnavailableFromEachAvailableResource()
    {
        var harness = new RosterHarness();
        harness.Connect(Juliet + "/balcony", available: true);
        await harness.SeedAsync(Juliet, RfcState.Parse("Both", Jid.Parse(Romeo)));

        await harness.ReceiveAsync("unsubscribe", Romeo, Juliet);

        // RFC 6121 §3.3.3.
        var unavailable = Assert.Single(harness.Router.TakeRouted());
        Assert.Equal("unavailable", unavailable.Type);
        Assert.Equal(Juliet + "/balcony", unavailable.From);
        Assert.Equal(Romeo, unavailable.To);
    }
}
