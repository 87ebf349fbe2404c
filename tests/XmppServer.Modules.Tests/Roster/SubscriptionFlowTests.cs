using XmppServer.Modules.Roster;
using XmppServer.Modules.Tests.Testing;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Roster;

/// <summary>Whole subscription exchanges between two local users, the core's routing played by LocalRouting.</summary>
public sealed class SubscriptionFlowTests
{
    private const string Juliet = "juliet@example.com";
    private const string Romeo = "romeo@example.com";

    [Fact]
    public async Task SubscribeAndApprove_BothOnline_EndsInToAndFromWithPresence()
    {
        var harness = new RosterHarness(withPresence: true);
        var romeo = harness.Connect(Romeo + "/orchard", interested: true);
        var juliet = harness.Connect(Juliet + "/balcony", interested: true);
        await harness.SendInitialPresenceAsync(romeo);
        await harness.SendInitialPresenceAsync(juliet);
        await harness.Host.RouteLocallyAsync(RosterHarness.Domain);
        romeo.TakeSent();
        juliet.TakeSent();

        // RFC 6121 §3.1.1-§3.1.3: Romeo asks, Juliet's resources get the request.
        await harness.SendAsync(romeo, "subscribe", Juliet);
        await harness.Host.RouteLocallyAsync(RosterHarness.Domain);

        Assert.Equal("None + Pending Out", RfcState.Describe(await harness.EntryAsync(Romeo, Juliet)));
        Assert.Equal("None + Pending In", RfcState.Describe(await harness.EntryAsync(Juliet, Romeo)));
        var request = Assert.Single(juliet.TakeSent(), s => s.Name == "presence");
        Assert.Equal("subscribe", request.Type);
        Assert.Equal(Romeo, request.From);
        var romeoPush = Assert.Single(RosterHarness.Pushes(romeo.TakeSent()));
        Assert.Equal("subscribe", romeoPush.Element("query", Namespaces.Roster)!.Element("item", Namespaces.Roster)!.GetAttribute("ask"));

        // §3.1.4-§3.1.6: Juliet approves; Romeo gets the approval, a push, and Juliet's presence.
        await harness.SendAsync(juliet, "subscribed", Romeo);
        await harness.Host.RouteLocallyAsync(RosterHarness.Domain);

        Assert.Equal("To", RfcState.Describe(await harness.EntryAsync(Romeo, Juliet)));
        Assert.Equal("From", RfcState.Describe(await harness.EntryAsync(Juliet, Romeo)));
        var romeoGot = romeo.TakeSent();
        Assert.Contains(romeoGot, s => s.Name == "presence" && s.Type == "subscribed" && s.From == Juliet);
        Assert.Contains(romeoGot, s => s.Name == "presence" && s.Type is null && s.From == Juliet + "/balcony");
        var push = Assert.Single(RosterHarness.Pushes(romeoGot));
        Assert.Equal("to", push.Element("query", Namespaces.Roster)!.Element("item", Namespaces.Roster)!.GetAttribute("subscription"));
        var julietPush = Assert.Single(RosterHarness.Pushes(juliet.TakeSent()));
        Assert.Equal("from", julietPush.Element("query", Namespaces.Roster)!.Element("item", Namespaces.Roster)!.GetAttribute("subscription"));
    }

    [Fact]
    public async Task SubscribeWhileOffline_RequestStoredAndDeliveredAtEachLoginUntilAnswered()
    {
        var harness = new RosterHarness(withPresence: true);
        var romeo = harness.Connect(Romeo + "/orchard", available: true);

        await harness.SendAsync(romeo, "subscribe", Juliet);
        await harness.Host.RouteLocallyAsync(RosterHarness.Domain);

        // RFC 6121 §3.1.3: Juliet has no available resource; the request is kept.
        Assert.NotNull((await harness.EntryAsync(Juliet, Romeo)).PendingIn);

        // A connected but not yet available resource does not get it ...
        var juliet = harness.Connect(Juliet + "/balcony");
        Assert.Empty(juliet.TakeSent());

        // ... it comes with initial presence, and again at the next login while unanswered.
        await harness.SendInitialPresenceAsync(juliet);
        Assert.Single(juliet.TakeSent(), s => s.Name == "presence" && s.Type == "subscribe" && s.From == Romeo && s.To == Juliet);
        harness.Host.Sessions.Remove(juliet);

        var again = harness.Connect(Juliet + "/chamber");
        await harness.SendInitialPresenceAsync(again);
        Assert.Single(again.TakeSent(), s => s.Type == "subscribe");

        // Once denied, it is gone.
        await harness.SendAsync(again, "unsubscribed", Romeo);
        await harness.Host.RouteLocallyAsync(RosterHarness.Domain);
        Assert.Null((await harness.EntryAsync(Juliet, Romeo)).PendingIn);
        Assert.Equal("None", RfcState.Describe(await harness.EntryAsync(Romeo, Juliet)));
        harness.Host.Sessions.Remove(again);
        var third = harness.Connect(Juliet + "/garden");
        await harness.SendInitialPresenceAsync(third);
        Assert.DoesNotContain(third.TakeSent(), s => s.Type == "subscribe");
    }

    [Fact]
    public async Task SubsequentPresence_DoesNotRedeliverPendingRequests()
    {
        var harness = new RosterHarness();
        await harness.SeedAsync(Juliet, new RosterEntry(null, new PendingSubscription(Jid.Parse(Romeo), "hi")));
        var juliet = harness.Connect(Juliet + "/balcony");
        await harness.SendInitialPresenceAsync(juliet);
        var first = Assert.Single(juliet.TakeSent());
        Assert.Equal("hi", first.ElementText("status", Namespaces.Client));

        await harness.Host.Registry.PublishAsync(
            new Core.Events.PresenceBroadcastRequested(juliet, juliet.Presence!, WasAvailable: true, IsInitial: false), CancellationToken.None);

        Assert.Empty(juliet.TakeSent());
    }

    [Fact]
    public async Task PreApproval_ThenSubscribe_ApprovedWithoutAskingTheUser()
    {
        var harness = new RosterHarness(withPresence: true);
        var romeo = harness.Connect(Romeo + "/orchard", available: true, interested: true);
        var juliet = harness.Connect(Juliet + "/balcony", available: true, interested: true);

        // RFC 6121 §3.4.1: Juliet pre-approves Romeo; nothing reaches Romeo.
        await harness.SendAsync(juliet, "subscribed", Romeo);
        Assert.Empty(harness.Router.TakeRouted());
        Assert.True((await harness.EntryAsync(Juliet, Romeo)).Item!.Approved);
        juliet.TakeSent();

        // §3.4.2: Romeo's request is approved by the server.
        await harness.SendAsync(romeo, "subscribe", Juliet);
        await harness.Host.RouteLocallyAsync(RosterHarness.Domain);

        Assert.Equal("To", RfcState.Describe(await harness.EntryAsync(Romeo, Juliet)));
        Assert.Equal("From", RfcState.Describe(await harness.EntryAsync(Juliet, Romeo)));
        Assert.DoesNotContain(juliet.TakeSent(), s => s.Name == "presence" && s.Type == "subscribe");
        Assert.Contains(romeo.TakeSent(), s => s.Name == "presence" && s.Type is null && s.From == Juliet + "/balcony");
    }

    [Fact]
    public async Task MutualSubscription_ThenRemove_BothSidesEndWithoutSubscription()
    {
        var harness = new RosterHarness(withPresence: true);
        var romeo = harness.Connect(Romeo + "/orchard", available: true, interested: true);
        var juliet = harness.Connect(Juliet + "/balcony", available: true, interested: true);
        foreach (var (from, to) in new[] { (romeo, Juliet), (juliet, Romeo) })
        {
            await harness.SendAsync(from, "subscribe", to);
            await harness.Host.RouteLocallyAsync(RosterHarness.Domain);
        }

        foreach (var (from, to) in new[] { (juliet, Romeo), (romeo, Juliet) })
        {
            await harness.SendAsync(from, "subscribed", to);
            await harness.Host.RouteLocallyAsync(RosterHarness.Domain);
        }

        Assert.Equal("Both", RfcState.Describe(await harness.EntryAsync(Romeo, Juliet)));
        Assert.Equal("Both", RfcState.Describe(await harness.EntryAsync(Juliet, Romeo)));
        romeo.TakeSent();

        // RFC 6121 §2.5.2: Juliet removes Romeo; Romeo's server sees unsubscribe and unsubscribed.
        await harness.SetAsync(juliet, RosterHarness.Item(Romeo).SetAttribute("subscription", "remove"));
        await harness.Host.RouteLocallyAsync(RosterHarness.Domain);

        Assert.True((await harness.EntryAsync(Juliet, Romeo)).IsEmpty);
        Assert.Equal("None", RfcState.Describe(await harness.EntryAsync(Romeo, Juliet)));
        var romeoGot = romeo.TakeSent();
        Assert.Contains(romeoGot, s => s.Type == "unsubscribe");
        Assert.Contains(romeoGot, s => s.Type == "unsubscribed");
        Assert.Contains(romeoGot, s => s.Type == "unavailable" && s.From == Juliet + "/balcony");
    }
}
