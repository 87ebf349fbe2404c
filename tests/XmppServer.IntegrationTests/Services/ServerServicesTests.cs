using System.Globalization;
using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.Services;

/// <summary>Service discovery (XEP-0030), ping (XEP-0199), version (XEP-0092) and time (XEP-0202) over the wire.</summary>
public sealed class ServerServicesTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private Jid _alice = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        _alice = await _server.CreateUserAsync("alice");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task DiscoInfoOnDomain_ListsServerIdentity_AndEveryServerFeature()
    {
        await using var alice = await XmppTestClient.LoginAsync(_server, _alice, resource: "a");

        var result = await QueryAsync(alice, "<iq type='get' id='d1' to='localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>", "d1");

        Assert.Equal("localhost", result.From);
        var query = result.Element("query", Namespaces.DiscoInfo);
        Assert.NotNull(query);
        Assert.Contains(query!.Elements("identity", Namespaces.DiscoInfo), i => i.GetAttribute("category") == "server" && i.GetAttribute("type") == "im");
        var features = query.Elements("feature", Namespaces.DiscoInfo).Select(f => f.GetAttribute("var")).ToList();
        Assert.Contains(Namespaces.Ping, features);
        Assert.Contains(Namespaces.Version, features);
        Assert.Contains(Namespaces.Time, features);
        Assert.Contains("msgoffline", features);
        Assert.Contains(Namespaces.DiscoInfo, features);
        Assert.Contains(Namespaces.DiscoItems, features);

        // XEP-0030 §3.1: each feature appears once.
        Assert.Equal(features.Count, features.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task DiscoInfoOnOwnBareJid_GivesRegisteredAccountIdentity()
    {
        await using var alice = await XmppTestClient.LoginAsync(_server, _alice, resource: "a");

        var result = await QueryAsync(alice, "<iq type='get' id='d2' to='alice@localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>", "d2");

        var query = result.Element("query", Namespaces.DiscoInfo);
        Assert.NotNull(query);
        Assert.Contains(query!.Elements("identity", Namespaces.DiscoInfo), i => i.GetAttribute("category") == "account" && i.GetAttribute("type") == "registered");
    }

    [Fact]
    public async Task PingToServer_IsAnsweredWithEmptyResult()
    {
        await using var alice = await XmppTestClient.LoginAsync(_server, _alice, resource: "a");

        var result = await QueryAsync(alice, "<iq type='get' id='p1' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>", "p1");

        Assert.Equal("localhost", result.From);
        Assert.Equal("alice@localhost/a", result.To);
        Assert.False(result.HasChildren);
    }

    [Fact]
    public async Task PingToOwnBareJid_IsAnsweredByTheServer()
    {
        await using var alice = await XmppTestClient.LoginAsync(_server, _alice, resource: "a");

        var result = await QueryAsync(alice, "<iq type='get' id='p2' to='alice@localhost'><ping xmlns='urn:xmpp:ping'/></iq>", "p2");

        Assert.False(result.HasChildren);
    }

    [Fact]
    public async Task VersionOfServer_IsNamedXmppServer_WithAVersion()
    {
        await using var alice = await XmppTestClient.LoginAsync(_server, _alice, resource: "a");

        var result = await QueryAsync(alice, "<iq type='get' id='v1' to='localhost'><query xmlns='jabber:iq:version'/></iq>", "v1");

        var query = result.Element("query", Namespaces.Version);
        Assert.NotNull(query);
        Assert.Equal("XmppServer", query!.ElementText("name", Namespaces.Version));
        Assert.False(string.IsNullOrWhiteSpace(query.ElementText("version", Namespaces.Version)));
    }

    [Fact]
    public async Task TimeOfServer_HasUtcAndTzo()
    {
        await using var alice = await XmppTestClient.LoginAsync(_server, _alice, resource: "a");

        var result = await QueryAsync(alice, "<iq type='get' id='t1' to='localhost'><time xmlns='urn:xmpp:time'/></iq>", "t1");

        var time = result.Element("time", Namespaces.Time);
        Assert.NotNull(time);
        var tzo = time!.ElementText("tzo", Namespaces.Time);
        Assert.Matches("^(Z|[+-][0-9]{2}:[0-9]{2})$", tzo);
        var utc = time.ElementText("utc", Namespaces.Time);
        Assert.NotNull(utc);
        Assert.EndsWith("Z", utc, StringComparison.Ordinal);
        var parsed = DateTimeOffset.Parse(utc, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        Assert.InRange(parsed, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task IqSetToGetOnlyNamespace_GetsServiceUnavailable()
    {
        await using var alice = await XmppTestClient.LoginAsync(_server, _alice, resource: "a");
        await alice.SendAsync("<iq type='set' id='s1' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>");

        var error = await alice.ExpectAsync(e => e.Name == "iq" && e.Id == "s1", "the error");

        Assert.Equal("error", error.Type);
        Assert.NotNull(error.Element("error", Namespaces.Client)?.Element("service-unavailable", Namespaces.Stanzas));
    }

    private static async Task<XmppElement> QueryAsync(XmppTestClient client, string iq, string id)
    {
        await client.SendAsync(iq);
        var result = await client.ExpectAsync(e => e.Name == "iq" && e.Id == id, $"the answer to {id}");
        Assert.True(result.Type == "result", $"expected a result, got {result}");
        return result;
    }
}
