using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using XmppServer.Core.Accounts;
using XmppServer.Core.Hosting;
using XmppServer.Storage.Sqlite;

namespace XmppServer.Hosting;

/// <summary>The one list of what the server is made of: core, storage and modules, in the order they configure.</summary>
internal static class ServerComposition
{
    public static IServiceCollection AddXmppServer(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddXmppCore(configuration);

        // Storage first: its hosted service migrates the database before anything else starts.
        services.AddSqliteStorage();
        services.AddSingleton<AccountManager>();
        return services;
    }
}
