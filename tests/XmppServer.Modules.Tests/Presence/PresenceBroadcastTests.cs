using XmppServer.Core.Events;
using XmppServer.Modules.Roster;
using XmppServer.Modules.Tests.Roster;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Presence;

public sealed class PresenceBroadcastTests
{
    private const string Juliet = "juliet@example.com";

    private static async Task<RosterHarness> HarnessWithContactsAsync()
    {
        var harness = new RosterHarness(withPresence: true);
        foreach (var (contact, state) in new[]
        {
            ("none@example.net", "None"),
            ("to@example.net", "To"),
            ("from@example.net", "From"),
            ("both@example.net", "Both"),
            ("pendingout@example.net", "None + Pending Out"),
            ("frompendingout@example.net", "From + Pending Out"),
            ("pendingin@example.net", "None + Pending In"),
            ("approved@example.net", "None + Pre-approved"),
        })
        {
            await harness.SeedAsync(Juliet, RfcState.Parse(state, Jid.Parse(contact)));
        }

        return harness;
    }

    [Fact]
    public async Task InitialPresence_BroadcastToFromAndBothContactsOnly()
    {
        var harness = await HarnessWithContactsAsync();
        var session = harness.Connect(Juliet + "/balcony");

        await harness.SendInitialPresenceAsync(session);

        // RFC 6121 §4.2.2: to every contact with subscription 'from' or 'both', from the full JID.
        var presences = harness.Router.TakeRouted().Where(p => p.Type is null).ToList();
        Assert.Equal(
            ["both@example.net", "from@example.net", "frompendingout@example.net"],
            presences.Select(p => p.To).Order(StringComparer.Ordinal));
        Assert.All(presences, p => Assert.Equal(Juliet + "/balcony", p.From));
    }

    [Fact]
    public async Task InitialPresence_ProbesToAndBothContactsFromBareJid()
    {
        var harness = await HarnessWithContactsAsync();
        var session = harness.Connect(Juliet + "/balcony");

        await harness.SendInitialPresenceAsync(session);

        // RFC 6121 §4.3.1: probes go to contacts with subscription 'to' or 'both', from the user's bare JID.
        var probes = harness.Router.TakeRouted().Where(p => p.Type == "probe").ToList();
        Assert.Equal(["both@example.net", "to@example.net"], probes.Select(p => p.To).Order(StringComparer.Ordinal));
        Assert.All(probes, p => Assert.Equal(Juliet, p.From));
    }

    [Fact]
    public async Task InitialPresence_EchoedToAllAvailableResourcesIncludingSender()
    {
        var harness = new RosterHarness(withPresence: true);
        var chamber = harness.Connect(Juliet + "/chamber", available: true);
        var garden = harness.Connect(Juliet + "/garden");
        var balcony = harness.Connect(Juliet + "/balcony");

        await harness.SendInitialPresenceAsync(balcony);

        // RFC 6121 §4.2.2: "including the resource that generated the presence notification in the first place".
        var echo = Assert.Single(balcony.TakeSent(), s => s.From == Juliet + "/balcony");
        Assert.Equal(Juliet + "/balcony", echo.To);
        var toChamber = Assert.Single(chamber.TakeSent());
        Assert.Equal(Juliet + "/balcony", toChamber.From);
        Assert.Equal(Juliet + "/chamber", toChamber.To);
        Assert.Empty(garden.TakeSent());
    }

    [Fact]
    public async Task InitialPresence_NewResourceGetsPresenceOfOtherAvailableResources()
    {
        var harness = new RosterHarness(withPresence: true);
        var chamber = harness.Connect(Juliet + "/chamber");
        chamber.MakeAvailable(priority: 5);
        chamber.Presence!.AddTextElement("status", Namespaces.Client, "reading");
        harness.Connect(Juliet + "/garden");
        var balcony = harness.Connect(Juliet + "/balcony");

        await harness.SendInitialPresenceAsync(balcony);

        var fromChamber = Assert.Single(balcony.TakeSent(), s => s.From == Juliet + "/chamber");
        Assert.Equal(Juliet + "/balcony", fromChamber.To);
        Assert.Equal("reading", fromChamber.ElementText("status", Namespaces.Client));
        Assert.Equal("5", fromChamber.ElementText("priority", Namespaces.Client));
    }

    [Fact]
    public async Task SubsequentPresence_BroadcastWithoutProbesOrResourceReplay()
    {
        var harness = await HarnessWithContactsAsync();
        var chamber = harness.Connect(Juliet + "/chamber", available: true);
        var balcony = harness.Connect(Juliet + "/balcony", available: true);
        var away = new XmppElement("presence", Namespaces.Client) { From = balcony.Jid.ToString() };
        away.AddTextElement("show", Namespaces.Client, "away");

        await harness.Host.Registry.PublishAsync(new PresenceBroadcastRequested(balcony, away, WasAvailable: true, IsInitial: false), CancellationToken.None);

        // RFC 6121 §4.4.2: to the subscribers and the user's resources; no probes (§4.3.1 is for initial presence).
        var routed = harness.Router.TakeRouted();
        Assert.Equal(3, routed.Count);
        Assert.All(routed, p => Assert.Equal("away", p.ElementText("show", Namespaces.Client)));
        Assert.DoesNotContain(routed, p => p.Type == "probe");
        Assert.Single(chamber.TakeSent());
        var echo = Assert.Single(balcony.TakeSent());
        Assert.Equal("away", echo.ElementText("show", Namespaces.Client));
    }

    [Fact]
    public async Task Broadcast_EachRecipientGetsItsOwnCopy()
    {
        var harness = await HarnessWithContactsAsync();
        var session = harness.Connect(Juliet + "/balcony");

        await harness.SendInitialPresenceAsync(session);

        var routed = harness.Router.TakeRouted();
        Assert.Equal(routed.Count, routed.Distinct().Count());
        Assert.Null(session.Presence!.To);
    }

    [Fact]
    public async Task UnavailablePresence_BroadcastToSubscribersAndOtherResourcesAndDirectedTargets()
    {
        var harness = await HarnessWithContactsAsync();
        var chamber = harness.Connect(Juliet + "/chamber", available: true);
        var balcony = harness.Connect(Juliet + "/balcony", available: true);
        await harness.SendAsync(balcony, null, "room@conference.example.org/juliet");
        await harness.SendAsync(balcony, null, "from@example.net");
        harness.Router.TakeRouted();

        // The core marks the session unavailable before it publishes.
        balcony.IsAvailable = false;
        var unavailable = new XmppElement("presence", Namespaces.Client) { Type = "unavailable", From = balcony.Jid.ToString() };
        await harness.Host.Registry.PublishAsync(new PresenceBroadcastRequested(balcony, unavailable, WasAvailable: true, IsInitial: false), CancellationToken.None);

        // RFC 6121 §4.5.2 and §4.6.3; a subscriber that also got directed presence hears it once.
        var routed = harness.Router.TakeRouted();
        Assert.All(routed, p => Assert.Equal("unavailable", p.Type));
        Assert.All(routed, p => Assert.Equal(Juliet + "/balcony", p.From));
        Assert.Equal(
            ["both@example.net", "from@example.net", "frompendingout@example.net", "room@conference.example.org/juliet"],
            routed.Select(p => p.To).Order(StringComparer.Ordinal));
        Assert.Equal("unavailable", Assert.Single(chamber.TakeSent()).Type);
        Assert.Empty(balcony.TakeSent());
    }

    [Fact]
    public async Task UnavailablePresence_WhenNeverAvailable_OnlyDirectedTargetsHearIt()
    {
        var harness = await HarnessWithContactsAsync();
        var balcony = harness.Connect(Juliet + "/balcony");
        await harness.SendAsync(balcony, null, "room@conference.example.org/juliet");
        var unavailable = new XmppElement("presence", Namespaces.Client) { Type = "unavailable", From = balcony.Jid.ToString() };

        await harness.Host.Registry.PublishAsync(new PresenceBroadcastRequested(balcony, unavailable, WasAvailable: false, IsInitial: false), CancellationToken.None);

        var routed = Assert.Single(harness.Router.TakeRouted());
        Assert.Equal("room@conference.example.org/juliet", routed.To);
    }

    [Fact]
    public async Task SessionClosed_WasAvailable_SendsUnavailableOnItsBehalf()
    {
        var harness = await HarnessWithContactsAsync();
        var chamber = harness.Connect(Juliet + "/chamber", available: true);
        var balcony = harness.Connect(Juliet + "/balcony", available: true);
        await harness.SendAsync(balcony, null, "stranger@example.org");

        // The core removes the session from the manager, then publishes.
        harness.Host.Sessions.Remove(balcony);
        await harness.Host.Registry.PublishAsync(new SessionClosed(balcony, WasAvailable: true), CancellationToken.None);

        // RFC 6121 §4.5.2: the server generates unavailable presence for a resource that went away.
        var routed = harness.Router.TakeRouted();
        Assert.All(routed, p => Assert.Equal("unavailable", p.Type));
        Assert.All(routed, p => Assert.Equal(Juliet + "/balcony", p.From));
        Assert.Equal(
            ["both@example.net", "from@example.net", "frompendingout@example.net", "stranger@example.org"],
            routed.Select(p => p.To).Order(StringComparer.Ordinal));
        var toChamber = Assert.Single(chamber.TakeSent());
        Assert.Equal("unavailable", toChamber.Type);
        Assert.Equal(Juliet + "/balcony", toChamber.From);
    }

    [Fact]
    public async Task SessionClosed_NeverAvailableWithoutDirectedPresence_SendsNothing()
    {
        var harness = await HarnessWithContactsAsync();
        var balcony = harness.Connect(Juliet + "/balcony");
        harness.Host.Sessions.Remove(balcony);

        await harness.Host.Registry.PublishAsync(new SessionClosed(balcony, WasAvailable: false), CancellationToken.None);

        Assert.Empty(harness.Router.TakeRouted());
    }

    [Fact]
    public async Task Broadcast_BetweenLocalUsers_ReachesSubscribedContactsResources()
    {
        var harness = new RosterHarness(withPresence: true);
        await harness.SeedAsync(Juliet, RfcState.Parse("From", Jid.Parse("romeo@example.com")));
        await harness.SeedAsync("romeo@example.com", RfcState.Parse("To", Jid.Parse(Juliet)));
        var romeo = harness.Connect("romeo@example.com/orchard", available: true);
        var juliet = harness.Connect(Juliet + "/balcony");

        await harness.SendInitialPresenceAsync(juliet);
        await Testing.LocalRouting.RouteLocallyAsync(harness.Host, RosterHarness.Domain);

        var got = Assert.Single(romeo.TakeSent());
        Assert.Equal(Juliet + "/balcony", got.From);
        Assert.Null(got.Type);
    }

    [Fact]
    public async Task InitialPresence_ProbeOfLocalContact_AnsweredWithContactsPresence()
    {
        var harness = new RosterHarness(withPresence: true);
        await harness.SeedAsync(Juliet, RfcState.Parse("To", Jid.Parse("romeo@example.com")));
        await harness.SeedAsync("romeo@example.com", RfcState.Parse("From", Jid.Parse(Juliet)));
        var romeo = harness.Connect("romeo@example.com/orchard");
        romeo.MakeAvailable();
        romeo.Presence!.AddTextElement("status", Namespaces.Client, "Wherefore?");
        var juliet = harness.Connect(Juliet + "/balcony");

        await harness.SendInitialPresenceAsync(juliet);
        await Testing.LocalRouting.RouteLocallyAsync(harness.Host, RosterHarness.Domain);

        // RFC 6121 §4.3.2: the probe is answered with Romeo's current presence, which reaches Juliet.
        var got = Assert.Single(juliet.TakeSent(), s => s.From == "romeo@example.com/orchard");
        Assert.Equal("Wherefore?", got.ElementText("status", Namespaces.Client));
        Assert.DoesNotContain(romeo.TakeSent(), s => s.Type == "probe");
    }
}
