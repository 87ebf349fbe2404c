using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using XmppServer.Core.Accounts;
using XmppServer.Core.Hosting;
using XmppServer.Core.Modules;
using XmppServer.Modules.Disco;
using XmppServer.Modules.Offline;
using XmppServer.Modules.Ping;
using XmppServer.Modules.Time;
using XmppServer.Modules.Version;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Offline;

/// <summary>
/// The modules registered in the core's container the way the host does: the registry (built from the modules) must
/// resolve, although these modules use the router and the registry, which are built on the modules themselves.
/// </summary>
public sealed class ModuleCompositionTests
{
    [Fact]
    public void Registry_ModulesInCoreContainer_ResolvesWithoutCycle()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Xmpp:Domains:0"] = "capulet.lit" })
            .Build();
        var services = new ServiceCollection().AddLogging().AddXmppCore(configuration);
        services.AddSingleton<IAccountStore, NoAccounts>();
        services.AddSingleton<IOfflineStore, InMemoryOfflineStore>();
        services.AddOptions<OfflineOptions>();
        services.AddOptions<DiscoOptions>();
        services.AddOptions<VersionOptions>();
        services.AddXmppModule<DiscoModule>();
        services.AddXmppModule<OfflineModule>();
        services.AddXmppModule<PingModule>();
        services.AddXmppModule<VersionModule>();
        services.AddXmppModule<TimeModule>();
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = false, ValidateScopes = true });

        var registry = provider.GetRequiredService<ModuleRegistry>();

        var features = registry.Features(DiscoScope.Server).ToList();
        Assert.Contains(OfflineModule.Feature, features);
        Assert.Contains(Namespaces.Ping, features);
        Assert.Contains(Namespaces.Version, features);
        Assert.Contains(Namespaces.Time, features);
        Assert.NotNull(registry.FindIqHandler(IqType.Get, Namespaces.DiscoInfo, "query", IqTarget.Host));
    }

    /// <summary>The router needs an account store; this test never asks it anything.</summary>
    private sealed class NoAccounts : IAccountStore
    {
        public ValueTask<bool> ExistsAsync(Jid user, CancellationToken cancellationToken) => ValueTask.FromResult(false);

        public ValueTask<StoredCredentials?> GetCredentialsAsync(Jid user, CancellationToken cancellationToken) => ValueTask.FromResult<StoredCredentials?>(null);

        public ValueTask<bool> CreateAsync(Jid user, StoredCredentials credentials, CancellationToken cancellationToken) => ValueTask.FromResult(false);

        public ValueTask<bool> SetCredentialsAsync(Jid user, StoredCredentials credentials, CancellationToken cancellationToken) => ValueTask.FromResult(false);

        public ValueTask<bool> DeleteAsync(Jid user, CancellationToken cancellationToken) => ValueTask.FromResult(false);

        public ValueTask<IReadOnlyList<string>> ListAsync(string domain, CancellationToken cancellationToken) => ValueTask.FromResult<IReadOnlyList<string>>([]);

        public ValueTask<int> CreateManyAsync(IReadOnlyList<(Jid User, StoredCredentials Credentials)> accounts, CancellationToken cancellationToken) => ValueTask.FromResult(0);
    }
}
