using System.Diagnostics;
using System.Net;
using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Protocol;
using Xunit.Abstractions;

namespace XmppServer.IntegrationTests.Security;

/// <summary>
/// An attack on a live server, then proof that honest clients are unaffected: each test starts its own server with
/// the limits it needs, names the attack, asserts the exact stream error, and prints one line per attack with the
/// error sent and the time from the first byte of the attack to the error (<c>ATTACK | name | condition | text | ms</c>).
/// </summary>
public abstract class AttackTestBase(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly List<TestServer> _servers = [];

    protected TestServer Server { get; private set; } = null!;

    protected Jid Alice { get; private set; } = null!;

    protected Jid Bob { get; private set; } = null!;

    protected Jid Mallory { get; private set; } = null!;

    /// <summary>Settings of the server every test of the class starts with.</summary>
    protected virtual IDictionary<string, string?>? Settings => null;

    /// <summary>False for a class whose tests start their own server, each with the limits it is about.</summary>
    protected virtual bool StartsServerPerTest => true;

    public async Task InitializeAsync()
    {
        if (StartsServerPerTest)
        {
            await StartServerAsync(Settings);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
    }

    /// <summary>Starts a server (replacing <see cref="Server"/>) with alice, bob and mallory (password "secret").</summary>
    protected async Task StartServerAsync(IDictionary<string, string?>? settings)
    {
        Server = await TestServer.StartAsync(settings);
        _servers.Add(Server);
        Alice = await Server.CreateUserAsync("alice");
        Bob = await Server.CreateUserAsync("bob");
        Mallory = await Server.CreateUserAsync("mallory");
    }

    /// <summary>
    /// Reads past whatever the server sends (its header, features, stanzas) up to a stream error, asserts its
    /// condition and that the stream or connection ends after it, and records the attack.
    /// </summary>
    protected async Task<string?> ExpectStreamErrorAsync(string attack, XmppTestClient client, StreamErrorCondition condition, Stopwatch since, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? XmppTestClient.DefaultTimeout);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            Assert.True(left > TimeSpan.Zero, $"{attack}: no stream error in time");
            var streamEvent = await client.NextEventAsync(left);
            Assert.True(streamEvent.Kind != XmppStreamEventKind.StreamEnd, $"{attack}: the stream ended without an error");
            if (streamEvent.Kind != XmppStreamEventKind.Element || !streamEvent.Element!.Is("error", Namespaces.Streams))
            {
                continue;
            }

            var elapsed = since.Elapsed;
            var error = streamEvent.Element;
            var name = error.Elements().FirstOrDefault(e => e.Namespace == Namespaces.StreamErrors && e.Name != "text")?.Name;
            Assert.Equal(XmppErrors.ToElementName(condition), name);
            await client.ExpectClosedAsync();
            var text = error.ElementText("text", Namespaces.StreamErrors);
            Record(attack, $"<{name}/>", text, elapsed);
            return text;
        }
    }

    /// <summary>One line for the attack table.</summary>
    protected void Record(string attack, string outcome, string? text, TimeSpan elapsed)
        => output.WriteLine($"ATTACK | {attack} | {outcome} | {text ?? string.Empty} | {elapsed.TotalMilliseconds:F0} ms");

    /// <summary>Alice and Bob log in (from the given loopback addresses) and Bob receives Alice's message.</summary>
    protected async Task HonestClientsExchangeAMessageAsync(IPAddress? aliceFrom = null, IPAddress? bobFrom = null)
    {
        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "honest", localAddress: bobFrom);
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "honest", localAddress: aliceFrom);
        var id = "honest-" + Guid.NewGuid().ToString("N");

        await alice.SendAsync($"<message to='bob@localhost/honest' type='chat' id='{id}'><body>still here</body></message>");

        var message = await bob.ExpectAsync(e => e.Name == "message" && e.Id == id, "the honest message");
        Assert.Equal("alice@localhost/honest", message.From);
        Assert.Equal("still here", message.ElementText("body", Namespaces.Client));
    }

    /// <summary>A plaintext connection with the stream opened (header and features read), as an attacker starts.</summary>
    protected async Task<XmppTestClient> OpenUnauthenticatedAsync()
    {
        var client = await XmppTestClient.ConnectAsync(Server);
        await client.OpenStreamAsync();
        return client;
    }
}
