using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using XmppServer.Core.Accounts;
using XmppServer.Core.Hosting;
using XmppServer.Modules.Presence;
using XmppServer.Modules.Roster;
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

        // Modules, in the order they configure (and so the order their event handlers run).
        services.AddOptionsWithValidateOnStart<RosterOptions, RosterOptionsValidator>().Bind(configuration.GetSection(RosterOptions.SectionName));
        services.AddXmppModule<RosterModule>();
        services.AddXmppModule<PresenceModule>();
        return services;
    }
}
