using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using XmppServer.Core.Connections;
using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Protocol;
using Xunit.Abstractions;

namespace XmppServer.IntegrationTests.Security;

/// <summary>
/// Connection floods and slow-loris: one source may hold only so many connections, the unauthenticated only so many
/// in total, and a stream that does not finish negotiating in time is closed. Honest clients carry on.
/// </summary>
public sealed class ConnectionFloodTests(ITestOutputHelper output) : AttackTestBase(output)
{
    private static readonly IPAddress AliceAddress = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress BobAddress = IPAddress.Parse("127.0.0.3");

    protected override bool StartsServerPerTest => false;

    [Fact]
    public async Task ConnectionFloodFromOneAddress_BeyondTheLimit_GetsPolicyViolation_OtherAddressesCarryOn()
    {
        await StartServerAsync(new Dictionary<string, string?>
        {
            ["Xmpp:Limits:MaxConnectionsPerAddress"] = "5",
            ["Xmpp:Limits:ExemptAddresses"] = string.Empty, // the tests run on loopback, exempt by default
        });
        var admission = Server.Services.GetRequiredService<ConnectionAdmission>();
        var flood = new List<XmppTestClient>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                flood.Add(await XmppTestClient.ConnectAsync(Server));
            }

            await WaitUntilAsync(() => admission.CountFor(IPAddress.Loopback) == 5, "five connections counted");

            // RFC 6120 §4.9.3.14: the sixth breaks the local policy; the server says so at once, header first.
            var watch = Stopwatch.StartNew();
            await using (var sixth = await XmppTestClient.ConnectAsync(Server))
            {
                await sixth.SendAsync(Header);
                var text = await ExpectStreamErrorAsync("connection flood from one address (6th of 5)", sixth, StreamErrorCondition.PolicyViolation, watch);
                Assert.Equal("Too many connections from your address", text);
            }

            // On the direct TLS port no handshake is spent on it: the TCP connection is closed.
            watch.Restart();
            var closed = await Xunit.Record.ExceptionAsync(async () => await (await XmppTestClient.ConnectAsync(Server, directTls: true)).DisposeAsync());
            Assert.True(closed is IOException or System.Security.Authentication.AuthenticationException, $"expected the handshake to fail, got {closed}");
            Record("connection flood from one address, direct TLS port", "closed before the TLS handshake", null, watch.Elapsed);

            // Other sources are unaffected while the flood holds its connections.
            await HonestClientsExchangeAMessageAsync(AliceAddress, BobAddress);
        }
        finally
        {
            foreach (var client in flood)
            {
                await client.DisposeAsync();
            }
        }

        // The flood's slots are released as its connections end: the address may connect again.
        await WaitUntilAsync(() => admission.CountFor(IPAddress.Loopback) == 0, "the flood's connections released");
        await using var again = await XmppTestClient.LoginAsync(Server, Mallory);
    }

    [Fact]
    public async Task UnauthenticatedFlood_BeyondTheLimit_GetsResourceConstraint_UntilNegotiationTimesOut()
    {
        await StartServerAsync(new Dictionary<string, string?>
        {
            ["Xmpp:Limits:MaxUnauthenticatedConnections"] = "5",
            ["Xmpp:Connections:NegotiationTimeout"] = "00:00:03",
        });
        var admission = Server.Services.GetRequiredService<ConnectionAdmission>();

        // Sessions established before the flood do not count, and keep working through it.
        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "before");
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "before");
        Assert.Equal(0, admission.Unauthenticated);

        var flood = new List<XmppTestClient>();
        var watch = Stopwatch.StartNew();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                flood.Add(await XmppTestClient.ConnectAsync(Server, localAddress: IPAddress.Parse($"127.0.1.{i + 1}")));
            }

            await WaitUntilAsync(() => admission.Unauthenticated == 5, "five unauthenticated connections counted");

            // RFC 6120 §4.9.3.17: the server lacks the resources for another stream now, whoever asks.
            await using (var sixth = await XmppTestClient.ConnectAsync(Server, localAddress: IPAddress.Parse("127.0.1.6")))
            {
                var sixthWatch = Stopwatch.StartNew();
                await sixth.SendAsync(Header);
                await ExpectStreamErrorAsync("unauthenticated connection flood (6th of 5)", sixth, StreamErrorCondition.ResourceConstraint, sixthWatch);
            }

            await alice.SendAsync("<message to='bob@localhost/before' type='chat' id='during'><body>during the flood</body></message>");
            await bob.ExpectAsync(e => e.Name == "message" && e.Id == "during", "a message during the flood");

            // The flood's streams never negotiate: RFC 6120 §4.9.3.4 connection-timeout frees their slots.
            foreach (var client in flood)
            {
                await ExpectStreamErrorAsync("unauthenticated connection flood: held streams", client, StreamErrorCondition.ConnectionTimeout, watch, TimeSpan.FromSeconds(20));
            }
        }
        finally
        {
            foreach (var client in flood)
            {
                await client.DisposeAsync();
            }
        }

        await WaitUntilAsync(() => admission.Unauthenticated == 0, "the flood's slots released");
        await HonestClientsExchangeAMessageAsync();
    }

    [Fact]
    public async Task SlowLoris_SilentConnection_GetsConnectionTimeoutAfterNegotiationTimeout()
    {
        await StartServerAsync(new Dictionary<string, string?> { ["Xmpp:Connections:NegotiationTimeout"] = "00:00:02" });
        var watch = Stopwatch.StartNew();
        await using var attacker = await XmppTestClient.ConnectAsync(Server);

        // Nothing sent at all: RFC 6120 §4.9.3.4, with the server's header first (§4.9.1.2).
        await ExpectStreamErrorAsync("slow-loris: silent TCP connection", attacker, StreamErrorCondition.ConnectionTimeout, watch);

        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(8));
        await HonestClientsExchangeAMessageAsync();
    }

    [Fact]
    public async Task SlowLoris_HeaderTrickledByteByByte_GetsConnectionTimeoutAfterNegotiationTimeout()
    {
        await StartServerAsync(new Dictionary<string, string?> { ["Xmpp:Connections:NegotiationTimeout"] = "00:00:02" });
        await using var attacker = await XmppTestClient.ConnectAsync(Server);
        using var stop = new CancellationTokenSource();
        var watch = Stopwatch.StartNew();

        // Every byte keeps the connection busy; the deadline counts from the connect all the same.
        var trickle = Task.Run(async () =>
        {
            try
            {
                foreach (var b in System.Text.Encoding.UTF8.GetBytes(Header + "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"))
                {
                    await attacker.SendBytesAsync([b]);
                    await Task.Delay(200, stop.Token);
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
            {
            }
        });

        await ExpectStreamErrorAsync("slow-loris: header trickled a byte per 200 ms", attacker, StreamErrorCondition.ConnectionTimeout, watch);
        await stop.CancelAsync();
        await trickle;

        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(8));
        await HonestClientsExchangeAMessageAsync();
    }

    private const string Header =
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>";

    private static async Task WaitUntilAsync(Func<bool> condition, string description)
    {
        var deadline = DateTime.UtcNow + XmppTestClient.DefaultTimeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {description}");
            await Task.Delay(20);
        }
    }
}
