using XmppServer.Core.Events;
using XmppServer.Core.Modules;
using XmppServer.Modules.Roster;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Roster;

public sealed class RosterIqTests
{
    private const string Juliet = "juliet@example.com";
    private const string Romeo = "romeo@example.net";

    [Fact]
    public void StreamFeatures_Authenticated_OfferRosterVersioningAndPreApproval()
    {
        var harness = new RosterHarness();
        var context = new StreamFeatureContext("example.com", IsSecure: true, Jid.Parse(Juliet));

        var features = harness.Host.Registry.StreamFeatures(StreamFeatureStage.Authenticated, context).ToList();

        Assert.Contains(features, f => f.Is("ver", Namespaces.RosterVersioning));
        Assert.Contains(features, f => f.Is("sub", Namespaces.PresenceSubscriptionPreApproval));
        Assert.Empty(harness.Host.Registry.StreamFeatures(StreamFeatureStage.BeforeAuthentication, context with { User = null }));
    }

    [Fact]
    public void RosterModule_DeclaresXep0237()
    {
        var xep = Assert.Single(typeof(RosterModule).GetCustomAttributes(typeof(XepAttribute), false).Cast<XepAttribute>());
        Assert.Equal(237, xep.Number);
    }

    [Fact]
    public async Task Get_EmptyRoster_ReturnsEmptyQueryWithVersionAndMarksInterested()
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony");

        var result = await harness.GetRosterAsync(session);

        Assert.NotNull(result);
        Assert.False(result.IsError);
        Assert.True(result.Payload!.Is("query", Namespaces.Roster));
        Assert.Equal("0", result.Payload.GetAttribute("ver"));
        Assert.False(result.Payload.HasChildren);
        Assert.True(session.IsRosterInterested);
    }

    [Fact]
    public async Task Get_WithItems_ReturnsEveryItemWithAttributes()
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony");
        await harness.SeedAsync(Juliet, new RosterEntry(
            new RosterItem(Jid.Parse(Romeo), "Romeo", ["Friends"], RosterSubscription.Both, false, false), null));
        await harness.SeedAsync(Juliet, new RosterEntry(
            new RosterItem(Jid.Parse("nurse@example.com"), null, [], RosterSubscription.None, Ask: true, Approved: true), null));

        var result = await harness.GetRosterAsync(session);

        var items = result!.Payload!.Elements("item", Namespaces.Roster).ToList();
        Assert.Equal(2, items.Count);
        var nurse = items.Single(i => i.GetAttribute("jid") == "nurse@example.com");
        Assert.Equal("none", nurse.GetAttribute("subscription"));
        Assert.Equal("subscribe", nurse.GetAttribute("ask"));
        Assert.Equal("true", nurse.GetAttribute("approved"));
        Assert.Null(nurse.GetAttribute("name"));
        var romeo = items.Single(i => i.GetAttribute("jid") == Romeo);
        Assert.Equal("Romeo", romeo.GetAttribute("name"));
        Assert.Equal("both", romeo.GetAttribute("subscription"));
        Assert.Null(romeo.GetAttribute("ask"));
        Assert.Equal("Friends", romeo.ElementText("group", Namespaces.Roster));
    }

    [Fact]
    public async Task Get_PendingRequestFromStranger_IsNotAnItem()
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony");
        await harness.SeedAsync(Juliet, new RosterEntry(null, new PendingSubscription(Jid.Parse(Romeo), null)));

        var result = await harness.GetRosterAsync(session);

        Assert.False(result!.Payload!.HasChildren);
    }

    [Fact]
    public async Task Get_CurrentVersion_ReturnsEmptyResult()
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony");
        await harness.SetAsync(session, RosterHarness.Item(Romeo));

        var result = await harness.GetRosterAsync(session, "1");

        Assert.Same(IqResult.Empty, result);
        Assert.True(session.IsRosterInterested);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("17")]
    public async Task Get_StaleOrEmptyVersion_ReturnsWholeRosterWithCurrentVersion(string version)
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony");
        await harness.SetAsync(session, RosterHarness.Item(Romeo));

        var result = await harness.GetRosterAsync(session, version);

        Assert.Equal("1", result!.Payload!.GetAttribute("ver"));
        Assert.Single(result.Payload.Elements("item", Namespaces.Roster));
    }

    [Fact]
    public async Task Get_OtherUsersRoster_Forbidden()
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Romeo + "/orchard");
        var iq = new XmppElement("iq", Namespaces.Client) { Type = "get", Id = "g" };
        iq.AddElement("query", Namespaces.Roster);

        var result = await harness.Host.InvokeIqAsync(iq, session, Jid.Parse(Juliet));

        Assert.Equal(StanzaErrorCondition.Forbidden, result!.Error);
    }

    [Fact]
    public async Task Set_NewItem_StoresAndPushesToInterestedResourcesOnly()
    {
        var harness = new RosterHarness();
        var balcony = harness.Connect(Juliet + "/balcony", interested: true);
        var chamber = harness.Connect(Juliet + "/chamber", interested: true);
        var uninterested = harness.Connect(Juliet + "/garden");
        var other = harness.Connect(Romeo + "/orchard", interested: true);

        var result = await harness.SetAsync(balcony, RosterHarness.Item(Romeo, "Romeo", "Friends", "Lovers"));

        Assert.Same(IqResult.Empty, result);
        var entry = await harness.EntryAsync(Juliet, Romeo);
        Assert.Equal("Romeo", entry.Item!.Name);
        Assert.Equal(["Friends", "Lovers"], entry.Item.Groups);
        Assert.Equal(RosterSubscription.None, entry.Item.Subscription);

        foreach (var session in new[] { balcony, chamber })
        {
            var push = Assert.Single(RosterHarness.Pushes(session.TakeSent()));
            Assert.Null(push.From);
            Assert.Equal(session.Jid.ToString(), push.To);
            Assert.NotNull(push.Id);
            var query = push.Element("query", Namespaces.Roster)!;
            Assert.Equal("1", query.GetAttribute("ver"));
            var item = Assert.Single(query.Elements("item", Namespaces.Roster));
            Assert.Equal(Romeo, item.GetAttribute("jid"));
            Assert.Equal("Romeo", item.GetAttribute("name"));
            Assert.Equal("none", item.GetAttribute("subscription"));
            Assert.Equal(["Friends", "Lovers"], item.Elements("group", Namespaces.Roster).Select(g => g.Text));
        }

        Assert.Empty(uninterested.TakeSent());
        Assert.Empty(other.TakeSent());
        Assert.Empty(harness.Router.TakeRouted());
    }

    [Fact]
    public async Task Set_UpdateItem_KeepsSubscriptionAndPushesNewVersion()
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony", interested: true);
        await harness.SeedAsync(Juliet, new RosterEntry(new RosterItem(Jid.Parse(Romeo), "R", ["A"], RosterSubscription.Both, false, false), null));

        await harness.SetAsync(session, RosterHarness.Item(Romeo, "Romeo", "B"));

        var entry = await harness.EntryAsync(Juliet, Romeo);
        Assert.Equal(RosterSubscription.Both, entry.Item!.Subscription);
        Assert.Equal(["B"], entry.Item.Groups);
        var push = Assert.Single(RosterHarness.Pushes(session.TakeSent()));
        Assert.Equal("2", push.Element("query", Namespaces.Roster)!.GetAttribute("ver"));
        Assert.Equal("both", push.Element("query", Namespaces.Roster)!.Element("item", Namespaces.Roster)!.GetAttribute("subscription"));
    }

    [Fact]
    public async Task Set_SameItemAgain_NoPush()
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony", interested: true);
        await harness.SetAsync(session, RosterHarness.Item(Romeo, "Romeo"));
        session.TakeSent();

        var result = await harness.SetAsync(session, RosterHarness.Item(Romeo, "Romeo"));

        Assert.Same(IqResult.Empty, result);
        Assert.Empty(session.TakeSent());
    }

    [Fact]
    public async Task Set_SubscriptionAskAndApprovedAttributes_AreIgnored()
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony");
        var item = RosterHarness.Item(Romeo).SetAttribute("subscription", "both").SetAttribute("ask", "subscribe").SetAttribute("approved", "true");

        var result = await harness.SetAsync(session, item);

        Assert.Same(IqResult.Empty, result);
        var entry = await harness.EntryAsync(Juliet, Romeo);
        Assert.Equal(RosterSubscription.None, entry.Item!.Subscription);
        Assert.False(entry.Item.Ask);
        Assert.False(entry.Item.Approved);
    }

    [Fact]
    public async Task Set_EmptyName_MeansNoName()
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony");

        await harness.SetAsync(session, RosterHarness.Item(Romeo, string.Empty));

        Assert.Null((await harness.EntryAsync(Juliet, Romeo)).Item!.Name);
    }

    [Fact]
    public async Task Set_TwoItems_BadRequest()
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony", interested: true);

        var result = await harness.SetAsync(session, RosterHarness.Item(Romeo), RosterHarness.Item("nurse@example.com"));

        Assert.Equal(StanzaErrorCondition.BadRequest, result!.Error);
        Assert.Empty((await harness.Store.GetRosterAsync(Jid.Parse(Juliet), CancellationToken.None)).Items);
        Assert.Empty(session.TakeSent());
    }

    [Fact]
    public async Task Set_NoItem_BadRequest()
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony");

        var result = await harness.SetAsync(session);

        Assert.Equal(StanzaErrorCondition.BadRequest, result!.Error);
    }

    [Fact]
    public async Task Set_ItemWithoutJid_BadRequest()
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony");

        var result = await harness.SetAsync(session, new XmppElement("item", Namespaces.Roster).SetAttribute("name", "x"));

        Assert.Equal(StanzaErrorCondition.BadRequest, result!.Error);
    }

    [Theory]
    [InlineData("@example.com")]
    [InlineData("romeo@")]
    [InlineData("a@b@c")]
    public async Task Set_InvalidJid_JidMalformed(string jid)
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony");

        var result = await harness.SetAsync(session, RosterHarness.Item(jid));

        Assert.Equal(StanzaErrorCondition.JidMalformed, result!.Error);
    }

    [Fact]
    public async Task Set_FullJid_BadRequest()
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony");

        var result = await harness.SetAsync(session, RosterHarness.Item(Romeo + "/orchard"));

        Assert.Equal(StanzaErrorCondition.BadRequest, result!.Error);
    }

    [Fact]
    public async Task Set_OwnJid_NotAllowed()
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony");

        var result = await harness.SetAsync(session, RosterHarness.Item("Juliet@Example.com"));

        Assert.Equal(StanzaErrorCondition.NotAllowed, result!.Error);
    }

    [Fact]
    public async Task Set_DuplicateGroup_BadRequest()
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony");

        var result = await harness.SetAsync(session, RosterHarness.Item(Romeo, null, "Friends", "Friends"));

        Assert.Equal(StanzaErrorCondition.BadRequest, result!.Error);
    }

    [Fact]
    public async Task Set_EmptyGroup_NotAcceptable()
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony");
        var item = RosterHarness.Item(Romeo);
        item.AddElement("group", Namespaces.Roster);

        var result = await harness.SetAsync(session, item);

        Assert.Equal(StanzaErrorCondition.NotAcceptable, result!.Error);
    }

    [Fact]
    public async Task Set_NameTooLong_NotAcceptable()
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony");

        var result = await harness.SetAsync(session, RosterHarness.Item(Romeo, new string('x', harness.Options.MaxNameLength + 1)));

        Assert.Equal(StanzaErrorCondition.NotAcceptable, result!.Error);
    }

    [Fact]
    public async Task Set_GroupTooLong_NotAcceptable()
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony");

        var result = await harness.SetAsync(session, RosterHarness.Item(Romeo, null, new string('g', harness.Options.MaxGroupLength + 1)));

        Assert.Equal(StanzaErrorCondition.NotAcceptable, result!.Error);
    }

    [Fact]
    public async Task Set_BeyondMaxItems_ResourceConstraintAndNothingStored()
    {
        var harness = new RosterHarness(maxItems: 2);
        var session = harness.Connect(Juliet + "/balcony", interested: true);
        await harness.SetAsync(session, RosterHarness.Item("a@example.com"));
        await harness.SetAsync(session, RosterHarness.Item("b@example.com"));
        session.TakeSent();

        var result = await harness.SetAsync(session, RosterHarness.Item("c@example.com"));

        Assert.Equal(StanzaErrorCondition.ResourceConstraint, result!.Error);
        Assert.Equal(StanzaErrorType.Cancel, result.ErrorType);
        Assert.Equal(2, (await harness.Store.GetRosterAsync(Jid.Parse(Juliet), CancellationToken.None)).Items.Count);
        Assert.Empty(session.TakeSent());

        // Updating an item already in a full roster still works.
        Assert.Same(IqResult.Empty, await harness.SetAsync(session, RosterHarness.Item("a@example.com", "A")));
    }

    [Fact]
    public async Task Set_OtherUsersRoster_Forbidden()
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Romeo + "/orchard");
        var iq = new XmppElement("iq", Namespaces.Client) { Type = "set", Id = "s" };
        iq.AddElement("query", Namespaces.Roster).Add(RosterHarness.Item("nurse@example.com"));

        var result = await harness.Host.InvokeIqAsync(iq, session, Jid.Parse(Juliet));

        Assert.Equal(StanzaErrorCondition.Forbidden, result!.Error);
    }

    [Fact]
    public async Task Remove_UnknownItem_ItemNotFound()
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony");

        var result = await harness.SetAsync(session, RosterHarness.Item(Romeo).SetAttribute("subscription", "remove"));

        Assert.Equal(StanzaErrorCondition.ItemNotFound, result!.Error);
    }

    [Fact]
    public async Task Remove_ItemWithoutSubscription_PushesRemovalAndRoutesNothing()
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony", interested: true);
        await harness.SetAsync(session, RosterHarness.Item(Romeo));
        session.TakeSent();

        var result = await harness.SetAsync(session, RosterHarness.Item(Romeo).SetAttribute("subscription", "remove"));

        Assert.Same(IqResult.Empty, result);
        Assert.True((await harness.EntryAsync(Juliet, Romeo)).IsEmpty);
        var push = Assert.Single(RosterHarness.Pushes(session.TakeSent()));
        var query = push.Element("query", Namespaces.Roster)!;
        Assert.Equal("2", query.GetAttribute("ver"));
        var item = query.Element("item", Namespaces.Roster)!;
        Assert.Equal(Romeo, item.GetAttribute("jid"));
        Assert.Equal("remove", item.GetAttribute("subscription"));
        Assert.Empty(harness.Router.TakeRouted());
    }

    [Theory]
    [InlineData("Both", true, true)]
    [InlineData("To", true, false)]
    [InlineData("From", false, true)]
    [InlineData("None + Pending Out", true, false)]
    [InlineData("To + Pending In", true, true)]
    [InlineData("None + Pending Out/In", true, true)]
    public async Task Remove_SubscribedItem_CancelsSubscriptionsBothWays(string state, bool unsubscribe, bool unsubscribed)
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony", available: true, interested: true);
        await harness.SeedAsync(Juliet, RfcState.Parse(state, Jid.Parse(Romeo)));

        var result = await harness.SetAsync(session, RosterHarness.Item(Romeo).SetAttribute("subscription", "remove"));

        Assert.Same(IqResult.Empty, result);
        var routed = harness.Router.TakeRouted();

        // RFC 6121 §2.5.2: unsubscribe and unsubscribed, from the user's bare JID to the contact.
        Assert.Equal(unsubscribe, routed.Any(p => p.Type == "unsubscribe" && p.From == Juliet && p.To == Romeo));
        Assert.Equal(unsubscribed, routed.Any(p => p.Type == "unsubscribed" && p.From == Juliet && p.To == Romeo));

        // §3.2.2: a contact losing its subscription sees the user's resources go offline.
        Assert.Equal(unsubscribed && state != "To + Pending In" && state != "None + Pending Out/In",
            routed.Any(p => p.Type == "unavailable" && p.From == Juliet + "/balcony" && p.To == Romeo));
        Assert.True((await harness.EntryAsync(Juliet, Romeo)).IsEmpty);
        Assert.Single(RosterHarness.Pushes(session.TakeSent()));
    }

    [Fact]
    public async Task Remove_OnlyPendingRequest_DeniesItWithoutPush()
    {
        var harness = new RosterHarness();
        var session = harness.Connect(Juliet + "/balcony", interested: true);
        await harness.SeedAsync(Juliet, new RosterEntry(null, new PendingSubscription(Jid.Parse(Romeo), null)));

        var result = await harness.SetAsync(session, RosterHarness.Item(Romeo).SetAttribute("subscription", "remove"));

        Assert.Same(IqResult.Empty, result);
        var routed = Assert.Single(harness.Router.TakeRouted());
        Assert.Equal("unsubscribed", routed.Type);
        Assert.True((await harness.EntryAsync(Juliet, Romeo)).IsEmpty);
        Assert.Empty(session.TakeSent());
    }

    [Fact]
    public async Task UserDeleted_RemovesRosterAndPendingRequests()
    {
        var harness = new RosterHarness();
        await harness.SeedAsync(Juliet, new RosterEntry(RosterItem.Create(Jid.Parse(Romeo)), null));
        await harness.SeedAsync(Juliet, new RosterEntry(null, new PendingSubscription(Jid.Parse("nurse@example.com"), null)));
        await harness.SeedAsync("nurse@example.com", new RosterEntry(RosterItem.Create(Jid.Parse(Juliet)), null));

        await harness.Host.Registry.PublishAsync(new UserDeleted(Jid.Parse(Juliet)), CancellationToken.None);

        var roster = await harness.Store.GetRosterAsync(Jid.Parse(Juliet), CancellationToken.None);
        Assert.Empty(roster.Items);
        Assert.Equal("0", roster.Version);
        Assert.Empty(await harness.Store.GetPendingSubscriptionsAsync(Jid.Parse(Juliet), CancellationToken.None));
        Assert.Single((await harness.Store.GetRosterAsync(Jid.Parse("nurse@example.com"), CancellationToken.None)).Items);
    }
}
