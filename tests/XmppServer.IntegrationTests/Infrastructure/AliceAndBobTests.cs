using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.Infrastructure;

/// <summary>A fresh server per test with two accounts, alice@localhost and bob@localhost (password "secret").</summary>
public abstract class AliceAndBobTests : IAsyncLifetime
{
    protected TestServer Server { get; private set; } = null!;

    protected Jid Alice { get; private set; } = null!;

    protected Jid Bob { get; private set; } = null!;

    /// <summary>Configuration overrides for the server of this test class.</summary>
    protected virtual IDictionary<string, string?>? Settings => null;

    public async Task InitializeAsync()
    {
        Server = await TestServer.StartAsync(Settings);
        Alice = await Server.CreateUserAsync("alice");
        Bob = await Server.CreateUserAsync("bob");
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>Alice logged in with XEP-0198 enabled for resumption, and the id to resume with.</summary>
    protected async Task<(XmppTestClient Client, string Id)> LoginWithResumptionAsync(string resource)
    {
        var client = await XmppTestClient.LoginAsync(Server, Alice, resource: resource);
        var enabled = await client.EnableStreamManagementAsync(resume: true);
        return (client, enabled.GetAttribute("id")!);
    }

    /// <summary>Alice authenticated over TLS but with no resource bound: a stream ready to resume a session.</summary>
    protected async Task<XmppTestClient> AuthenticatedAsync()
    {
        var client = await XmppTestClient.ConnectAsync(Server);
        await client.OpenStreamAsync();
        await client.StartTlsAsync();
        await client.AuthenticatePlainAsync(Alice.Local!, "secret");
        return client;
    }
}
