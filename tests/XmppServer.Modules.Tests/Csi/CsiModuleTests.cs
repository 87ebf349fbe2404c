using Microsoft.Extensions.Options;
using XmppServer.Core.Events;
using XmppServer.Core.Modules;
using XmppServer.Modules.Csi;
using XmppServer.Modules.Tests.Testing;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Csi;

public sealed class CsiModuleTests
{
    private const string Csi = "urn:xmpp:csi:0";

    private readonly ModuleTestHost _host;
    private readonly FakeSession _phone;

    public CsiModuleTests()
    {
        _host = Host(new CsiOptions());
        _phone = _host.Sessions.Add("alice@example.com/phone").MakeAvailable();
    }

    [Fact]
    public void Configure_Enabled_OffersTheStreamFeatureAfterAuthenticationOnly_AndNoDiscoFeature()
    {
        var context = new StreamFeatureContext("example.com", IsSecure: true, User: Jid.Parse("alice@example.com"));

        var feature = Assert.Single(_host.Registry.StreamFeatures(StreamFeatureStage.Authenticated, context));
        Assert.True(feature.Is("csi", Csi));
        Assert.Empty(_host.Registry.StreamFeatures(StreamFeatureStage.BeforeAuthentication, context with { User = null }));
        Assert.DoesNotContain(Csi, _host.Registry.Features(DiscoScope.Server));
        Assert.NotNull(_host.Registry.FindStreamElementHandler(Csi, "active"));
        Assert.NotNull(_host.Registry.FindStreamElementHandler(Csi, "inactive"));
    }

    [Fact]
    public void Configure_Disabled_OffersNothing_AndLeavesTheElementsUnhandled()
    {
        var host = Host(new CsiOptions { Enabled = false });
        var context = new StreamFeatureContext("example.com", IsSecure: true, User: Jid.Parse("alice@example.com"));

        Assert.Empty(host.Registry.StreamFeatures(StreamFeatureStage.Authenticated, context));
        Assert.Null(host.Registry.FindStreamElementHandler(Csi, "active"));
        Assert.Null(host.Registry.FindStreamElementHandler(Csi, "inactive"));
    }

    [Fact]
    public async Task Inactive_PresenceHeld_ActiveDeliversIt_ThenNothingIsHeld()
    {
        await IndicateAsync("inactive");
        _phone.Send(Presence("p1"));
        Assert.Empty(_phone.TakeSent());

        await IndicateAsync("active");

        Assert.Equal("p1", Assert.Single(_phone.TakeSent()).Id);
        Assert.Null(_phone.OutboundFilter);
        _phone.Send(Presence("p2"));
        Assert.Equal("p2", Assert.Single(_phone.TakeSent()).Id);
    }

    [Fact]
    public async Task InactiveTwice_KeepsWhatWasHeld()
    {
        await IndicateAsync("inactive");
        _phone.Send(Presence("p1"));

        await IndicateAsync("inactive");

        Assert.Empty(_phone.TakeSent());
        Assert.Equal(1, Assert.IsType<CsiBuffer>(_phone.OutboundFilter).Count);
    }

    [Fact]
    public async Task Active_WithoutInactive_ChangesNothing()
    {
        await IndicateAsync("active");

        Assert.Null(_phone.OutboundFilter);
        Assert.Empty(_phone.TakeSent());
    }

    [Fact]
    public async Task SessionResumed_WhileInactive_DeliversWhatWasHeld_AndTheStreamIsActive()
    {
        await IndicateAsync("inactive");
        _phone.Send(Presence("p1"));

        // XEP-0352 §5.2: a resumed stream starts active.
        await _host.Registry.PublishAsync(new SessionResumed(_phone), CancellationToken.None);

        Assert.Equal("p1", Assert.Single(_phone.TakeSent()).Id);
        Assert.Null(_phone.OutboundFilter);
    }

    private static ModuleTestHost Host(CsiOptions options) => new(_ => [new CsiModule(Options.Create(options))]);

    private async Task IndicateAsync(string state)
    {
        var handler = _host.Registry.FindStreamElementHandler(Csi, state)!;
        await handler(_phone, new XmppElement(state, Csi), CancellationToken.None);
    }

    private static XmppElement Presence(string id)
        => new("presence", Namespaces.Client) { From = "bob@example.com/desk", To = "alice@example.com/phone", Id = id };
}
