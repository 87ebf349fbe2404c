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
}
