using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.Lifecycle;

/// <summary>
/// The heartbeat's timeouts with one-second settings: negotiation, idle ping (XEP-0199 §4.2) and ping answer. The
/// heartbeat ticks once a second, so every wait is bounded by the client's ten-second default, never by a sleep.
/// </summary>
public sealed class TimeoutTests
{
    private static readonly Dictionary<string, string?> ShortIdle = new()
    {
        ["Xmpp:Connections:IdleTimeout"] = "00:00:01",
        ["Xmpp:Connections:PingTimeout"] = "00:00:01",
    };

    [Fact]
    public async Task UnauthenticatedConnection_IdlePastNegotiationTimeout_GetsConnectionTimeout()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Xmpp:Connections:NegotiationTimeout"] = "00:00:01" });
        await using var client = await XmppTestClient.ConnectAsync(server);
        await client.OpenStreamAsync();

        // RFC 6120 §4.9.3.4: connection-timeout, then the end of the stream.
        await client.ExpectStreamErrorAsync(StreamErrorCondition.ConnectionTimeout);
    }

    [Fact]
    public async Task SilentAuthenticatedClient_AnsweringServerPing_StaysConnected()
    {
        await using var server = await TestServer.StartAsync(ShortIdle);
        var user = await server.CreateUserAsync("alice");
        await using var client = await XmppTestClient.LoginAsync(server, user, resource: "a");

        // Each ping after the first comes only after another idle second, past the previous ping's timeout: every
        // answer counted. Answers go back at once, as a client on a fast network sends them.
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var round = 0; round < 3; round++)
        {
            var ping = await ExpectServerPingAsync(client);
            Assert.True(ids.Add(ping.Id!), $"ping id {ping.Id} was used twice");
            await client.SendAsync($"<iq type='result' id='{ping.Id}' to='localhost'/>");
        }

        await client.SyncAsync();
    }

    [Fact]
    public async Task SilentAuthenticatedClient_NotAnsweringServerPing_GetsConnectionTimeout()
    {
        await using var server = await TestServer.StartAsync(ShortIdle);
        var user = await server.CreateUserAsync("alice");
        await using var client = await XmppTestClient.LoginAsync(server, user, resource: "a");

        await ExpectServerPingAsync(client);

        await client.ExpectStreamErrorAsync(StreamErrorCondition.ConnectionTimeout);
    }

    /// <summary>XEP-0199 §4.2: a server-to-client ping, from the server's domain to the client's full JID.</summary>
    private static async Task<XmppElement> ExpectServerPingAsync(XmppTestClient client)
    {
        var ping = await client.NextElementAsync();
        Assert.True(ping.Name == "iq", $"expected a ping, got {ping}");
        Assert.Equal("get", ping.Type);
        Assert.Equal("localhost", ping.From);
        Assert.Equal(client.Jid!.ToString(), ping.To);
        Assert.NotNull(ping.Element("ping", Namespaces.Ping));
        Assert.False(string.IsNullOrEmpty(ping.Id));
        return ping;
    }
}
