using XmppServer.Core.Modules;
using XmppServer.Modules.Ping;
using XmppServer.Modules.Tests.Testing;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Ping;

public sealed class PingModuleTests
{
    [Fact]
    public void Configure_Always_AdvertisesPingOnServer()
    {
        var host = new ModuleTestHost(_ => [new PingModule()]);

        Assert.Contains(Namespaces.Ping, host.Registry.Features(DiscoScope.Server));
    }

    [Theory]
    [InlineData("capulet.lit")]
    [InlineData("juliet@capulet.lit")]
    [InlineData("romeo@capulet.lit")]
    [InlineData(null)]
    public async Task Get_ToServerOrAccount_EmptyResult(string? to)
    {
        var host = new ModuleTestHost(_ => [new PingModule()]);
        var session = host.Sessions.Add("juliet@capulet.lit/balcony");

        var result = await host.InvokeIqAsync(Ping("get"), session, to is null ? null : Jid.Parse(to));

        Assert.NotNull(result);
        Assert.False(result.IsError);
        Assert.Null(result.Payload);
        Assert.False(result.IsHandled);
    }

    [Fact]
    public async Task Get_WithUnexpectedContent_StillPongs()
    {
        var host = new ModuleTestHost(_ => [new PingModule()]);
        var session = host.Sessions.Add("juliet@capulet.lit/balcony");
        var iq = Ping("get");
        iq.FirstElement()!.AddElement("junk", "urn:example");

        var result = await host.InvokeIqAsync(iq, session, Jid.Parse("capulet.lit"));

        Assert.Same(IqResult.Empty, result);
    }

    [Fact]
    public async Task Set_NoHandler_CoreAnswersServiceUnavailable()
    {
        var host = new ModuleTestHost(_ => [new PingModule()]);
        var session = host.Sessions.Add("juliet@capulet.lit/balcony");

        Assert.Null(await host.InvokeIqAsync(Ping("set"), session, Jid.Parse("capulet.lit")));
        Assert.False(host.Registry.HasIqHandler(IqType.Set, Namespaces.Ping, "ping"));
    }

    private static XmppElement Ping(string type)
    {
        var iq = new XmppElement("iq", Namespaces.Client) { Type = type, Id = "p1" };
        iq.AddElement("ping", Namespaces.Ping);
        return iq;
    }
}
