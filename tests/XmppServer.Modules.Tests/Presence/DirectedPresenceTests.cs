using XmppServer.Core.Events;
using XmppServer.Modules.Tests.Roster;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Presence;

public sealed class DirectedPresenceTests
{
    private const string Juliet = "juliet@example.com";

    [Fact]
    public async Task DirectedPresence_IsNotHandled_SoTheCoreRoutesIt()
    {
        var harness = new RosterHarness(withPresence: true);
        var balcony = harness.Connect(Juliet + "/balcony", available: true);

        Assert.False(await harness.SendAsync(balcony, null, "room@conference.example.org/juliet"));
        Assert.False(await harness.SendAsync(balcony, "unavailable", "room@conference.example.org/juliet"));
        Assert.Empty(harness.Router.TakeRouted());
    }

    [Fact]
    public async Task DirectedPresence_ThenDirectedUnavailable_TargetForgotten()
    {
        var harness = new RosterHarness(withPresence: true);
        var balcony = harness.Connect(Juliet + "/balcony", available: true);
        await harness.SendAsync(balcony, null, "room@conference.example.org/juliet");
        await harness.SendAsync(balcony, null, "other@example.org");

        // RFC 6121 §4.6.3: directed unavailable ends the directed presence.
        await harness.SendAsync(balcony, "unavailable", "room@conference.example.org/juliet");
        harness.Host.Sessions.Remove(balcony);
        await harness.Host.Registry.PublishAsync(new SessionClosed(balcony, WasAvailable: true), CancellationToken.None);

        var routed = Assert.Single(harness.Router.TakeRouted());
        Assert.Equal("other@example.org", routed.To);
    }

    [Theory]
    [InlineData("From", false)]
    [InlineData("Both", false)]
    [InlineData("To", true)]
    [InlineData("None", true)]
    public async Task DirectedPresence_ToSubscriber_NotTrackedBecauseBroadcastCoversIt(string state, bool tracked)
    {
        var harness = new RosterHarness(withPresence: true);
        await harness.SeedAsync(Juliet, RfcState.Parse(state, Jid.Parse("romeo@example.net")));
        var balcony = harness.Connect(Juliet + "/balcony");
        await harness.SendAsync(balcony, null, "romeo@example.net/orchard");
        harness.Host.Sessions.Remove(balcony);

        // Not available: only tracked targets get the unavailable presence.
        await harness.Host.Registry.PublishAsync(new SessionClosed(balcony, WasAvailable: false), CancellationToken.None);

        var routed = harness.Router.TakeRouted();
        Assert.Equal(tracked, routed.Any(p => p.To == "romeo@example.net/orchard" && p.Type == "unavailable"));
    }

    [Fact]
    public async Task DirectedPresence_ToOwnResource_NotTracked()
    {
        var harness = new RosterHarness(withPresence: true);
        var balcony = harness.Connect(Juliet + "/balcony");
        await harness.SendAsync(balcony, null, Juliet + "/chamber");
        harness.Host.Sessions.Remove(balcony);

        await harness.Host.Registry.PublishAsync(new SessionClosed(balcony, WasAvailable: false), CancellationToken.None);

        Assert.Empty(harness.Router.TakeRouted());
    }

    [Fact]
    public async Task DirectedPresence_TrackedPerSession()
    {
        var harness = new RosterHarness(withPresence: true);
        var balcony = harness.Connect(Juliet + "/balcony", available: true);
        var chamber = harness.Connect(Juliet + "/chamber", available: true);
        await harness.SendAsync(balcony, null, "room@conference.example.org/juliet");
        harness.Host.Sessions.Remove(chamber);

        await harness.Host.Registry.PublishAsync(new SessionClosed(chamber, WasAvailable: true), CancellationToken.None);

        Assert.DoesNotContain(harness.Router.TakeRouted(), p => p.To == "room@conference.example.org/juliet");
    }

    [Fact]
    public async Task DirectedPresence_ClearedAfterUnavailableBroadcast()
    {
        var harness = new RosterHarness(withPresence: true);
        var balcony = harness.Connect(Juliet + "/balcony", available: true);
        await harness.SendAsync(balcony, null, "room@conference.example.org/juliet");
        balcony.IsAvailable = false;
        var unavailable = new XmppElement("presence", Namespaces.Client) { Type = "unavailable", From = balcony.Jid.ToString() };
        await harness.Host.Registry.PublishAsync(new PresenceBroadcastRequested(balcony, unavailable, WasAvailable: true, IsInitial: false), CancellationToken.None);
        Assert.Single(harness.Router.TakeRouted());

        harness.Host.Sessions.Remove(balcony);
        await harness.Host.Registry.PublishAsync(new SessionClosed(balcony, WasAvailable: false), CancellationToken.None);

        Assert.Empty(harness.Router.TakeRouted());
    }
}
