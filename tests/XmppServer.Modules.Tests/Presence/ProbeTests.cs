using XmppServer.Modules.Tests.Roster;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Presence;

public sealed class ProbeTests
{
    private const string Juliet = "juliet@example.com";
    private const string Romeo = "romeo@example.net";

    [Theory]
    [InlineData("From")]
    [InlineData("From + Pending Out")]
    [InlineData("Both")]
    public async Task Probe_FromSubscriber_AnsweredWithPresenceOfEachAvailableResource(string state)
    {
        var harness = new RosterHarness(withPresence: true);
        await harness.SeedAsync(Juliet, RfcState.Parse(state, Jid.Parse(Romeo)));
        var balcony = harness.Connect(Juliet + "/balcony");
        balcony.MakeAvailable(priority: 1);
        balcony.Presence!.AddTextElement("status", Namespaces.Client, "on the balcony");
        harness.Connect(Juliet + "/chamber", available: true);
        harness.Connect(Juliet + "/garden");

        var handled = await harness.ReceiveAsync("probe", Romeo, Juliet);

        // RFC 6121 §4.3.2: the last presence of each available resource, from its full JID, to the prober.
        Assert.True(handled);
        var routed = harness.Router.TakeRouted();
        Assert.Equal([Juliet + "/balcony", Juliet + "/chamber"], routed.Select(p => p.From));
        Assert.All(routed, p => Assert.Equal(Romeo, p.To));
        Assert.All(routed, p => Assert.Null(p.Type));
        Assert.Equal("on the balcony", routed[0].ElementText("status", Namespaces.Client));
        Assert.Null(balcony.Presence.To);
    }

    [Fact]
    public async Task Probe_FromSubscriber_NoAvailableResource_AnsweredUnavailable()
    {
        var harness = new RosterHarness(withPresence: true);
        await harness.SeedAsync(Juliet, RfcState.Parse("Both", Jid.Parse(Romeo)));
        harness.Connect(Juliet + "/balcony");

        await harness.ReceiveAsync("probe", Romeo, Juliet);

        var reply = Assert.Single(harness.Router.TakeRouted());
        Assert.Equal("unavailable", reply.Type);
        Assert.Equal(Juliet, reply.From);
        Assert.Equal(Romeo, reply.To);
    }

    [Theory]
    [InlineData("None")]
    [InlineData("To")]
    [InlineData("None + Pending In")]
    [InlineData("None + Pending Out")]
    [InlineData("None + Pre-approved")]
    public async Task Probe_FromNonSubscriber_AnsweredUnsubscribedWithoutPresence(string state)
    {
        var harness = new RosterHarness(withPresence: true);
        await harness.SeedAsync(Juliet, RfcState.Parse(state, Jid.Parse(Romeo)));
        harness.Connect(Juliet + "/balcony", available: true);

        var handled = await harness.ReceiveAsync("probe", Romeo + "/orchard", Juliet);

        // RFC 6121 §4.3.2 (and Prosody): 'unsubscribed' to the prober's bare JID, no presence leaks.
        Assert.True(handled);
        var reply = Assert.Single(harness.Router.TakeRouted());
        Assert.Equal("unsubscribed", reply.Type);
        Assert.Equal(Juliet, reply.From);
        Assert.Equal(Romeo, reply.To);
    }

    [Fact]
    public async Task Probe_FromStranger_AnsweredUnsubscribed()
    {
        var harness = new RosterHarness(withPresence: true);
        harness.Connect(Juliet + "/balcony", available: true);

        await harness.ReceiveAsync("probe", "stranger@example.org", Juliet);

        Assert.Equal("unsubscribed", Assert.Single(harness.Router.TakeRouted()).Type);
    }

    [Fact]
    public async Task Probe_FromOwnAccount_Answered()
    {
        var harness = new RosterHarness(withPresence: true);
        harness.Connect(Juliet + "/balcony", available: true);

        await harness.ReceiveAsync("probe", Juliet + "/chamber", Juliet);

        var reply = Assert.Single(harness.Router.TakeRouted());
        Assert.Null(reply.Type);
        Assert.Equal(Juliet + "/chamber", reply.To);
    }

    [Fact]
    public async Task Probe_ToFullJid_AnsweredForThatResourceOnly()
    {
        var harness = new RosterHarness(withPresence: true);
        await harness.SeedAsync(Juliet, RfcState.Parse("Both", Jid.Parse(Romeo)));
        harness.Connect(Juliet + "/balcony", available: true);
        harness.Connect(Juliet + "/chamber", available: true);

        await harness.ReceiveAsync("probe", Romeo, Juliet + "/chamber");

        var reply = Assert.Single(harness.Router.TakeRouted());
        Assert.Equal(Juliet + "/chamber", reply.From);
    }

    [Fact]
    public async Task Probe_NeverDeliveredToClients()
    {
        var harness = new RosterHarness(withPresence: true);
        await harness.SeedAsync(Juliet, RfcState.Parse("Both", Jid.Parse(Romeo)));
        var balcony = harness.Connect(Juliet + "/balcony", available: true);

        await harness.ReceiveAsync("probe", Romeo, Juliet);

        Assert.Empty(balcony.TakeSent());
    }
}
