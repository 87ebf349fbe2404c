using Microsoft.Extensions.Options;
using XmppServer.Core.Modules;
using XmppServer.Modules.Tests.Testing;
using XmppServer.Modules.Version;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Version;

public sealed class VersionModuleTests
{
    private static readonly Jid Server = Jid.Parse("capulet.lit");

    [Fact]
    public void Configure_Always_AdvertisesVersionOnServer()
    {
        var host = CreateHost(showOs: false);

        Assert.Contains(Namespaces.Version, host.Registry.Features(DiscoScope.Server));
    }

    [Fact]
    public async Task Get_ToServer_NameAndVersionWithoutOs()
    {
        var host = CreateHost(showOs: false);
        var session = host.Sessions.Add("juliet@capulet.lit/balcony");

        var result = await host.InvokeIqAsync(Query("get"), session, Server);

        var query = Assert.IsType<XmppElement>(result?.Payload);
        Assert.True(query.Is("query", Namespaces.Version));
        Assert.Equal("XmppServer", query.ElementText("name", Namespaces.Version));
        var version = query.ElementText("version", Namespaces.Version);
        Assert.False(string.IsNullOrEmpty(version));
        Assert.DoesNotContain("+", version, StringComparison.Ordinal);
        Assert.Null(query.Element("os", Namespaces.Version));
    }

    [Fact]
    public async Task Get_ShowOs_IncludesOperatingSystem()
    {
        var host = CreateHost(showOs: true);
        var session = host.Sessions.Add("juliet@capulet.lit/balcony");

        var result = await host.InvokeIqAsync(Query("get"), session, Server);

        var query = Assert.IsType<XmppElement>(result?.Payload);
        Assert.Equal(System.Runtime.InteropServices.RuntimeInformation.OSDescription, query.ElementText("os", Namespaces.Version));
    }

    [Fact]
    public async Task Get_ToAccount_NoHandler()
    {
        var host = CreateHost(showOs: false);
        var session = host.Sessions.Add("juliet@capulet.lit/balcony");

        Assert.Null(await host.InvokeIqAsync(Query("get"), session));
        Assert.Null(await host.InvokeIqAsync(Query("get"), session, Jid.Parse("romeo@capulet.lit")));
    }

    [Fact]
    public async Task Set_NoHandler_CoreAnswersServiceUnavailable()
    {
        var host = CreateHost(showOs: false);
        var session = host.Sessions.Add("juliet@capulet.lit/balcony");

        Assert.Null(await host.InvokeIqAsync(Query("set"), session, Server));
    }

    private static ModuleTestHost CreateHost(bool showOs)
        => new(_ => [new VersionModule(Options.Create(new VersionOptions { ShowOs = showOs }))]);

    private static XmppElement Query(string type)
    {
        var iq = new XmppElement("iq", Namespaces.Client) { Type = type, Id = "v1" };
        iq.AddElement("query", Namespaces.Version);
        return iq;
    }
}
