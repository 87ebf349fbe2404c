using XmppServer.Core.Modules;
using XmppServer.Modules.Tests.Testing;
using XmppServer.Modules.Time;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Time;

public sealed class TimeModuleTests
{
    private static readonly Jid Server = Jid.Parse("capulet.lit");

    [Fact]
    public void Configure_Always_AdvertisesTimeOnServer()
    {
        var host = CreateHost(DateTimeOffset.UnixEpoch);

        Assert.Contains(Namespaces.Time, host.Registry.Features(DiscoScope.Server));
    }

    [Fact]
    public async Task Get_ToServer_UtcAndZeroOffset()
    {
        var host = CreateHost(new DateTimeOffset(2006, 12, 19, 11, 58, 35, 42, TimeSpan.FromHours(-6)));
        var session = host.Sessions.Add("juliet@capulet.lit/balcony");

        var result = await host.InvokeIqAsync(Query("get"), session, Server);

        var time = Assert.IsType<XmppElement>(result?.Payload);
        Assert.True(time.Is("time", Namespaces.Time));
        Assert.Equal("+00:00", time.ElementText("tzo", Namespaces.Time));
        Assert.Equal("2006-12-19T17:58:35.042Z", time.ElementText("utc", Namespaces.Time));
    }

    [Fact]
    public async Task Get_ToAccount_NoHandler()
    {
        var host = CreateHost(DateTimeOffset.UnixEpoch);
        var session = host.Sessions.Add("juliet@capulet.lit/balcony");

        Assert.Null(await host.InvokeIqAsync(Query("get"), session));
    }

    [Fact]
    public async Task Set_NoHandler_CoreAnswersServiceUnavailable()
    {
        var host = CreateHost(DateTimeOffset.UnixEpoch);
        var session = host.Sessions.Add("juliet@capulet.lit/balcony");

        Assert.Null(await host.InvokeIqAsync(Query("set"), session, Server));
        Assert.False(host.Registry.HasIqHandler(IqType.Set, Namespaces.Time, "time"));
    }

    private static ModuleTestHost CreateHost(DateTimeOffset now) => new(_ => [new TimeModule(new ManualTimeProvider(now))]);

    private static XmppElement Query(string type)
    {
        var iq = new XmppElement("iq", Namespaces.Client) { Type = type, Id = "t1" };
        iq.AddElement("time", Namespaces.Time);
        return iq;
    }
}
