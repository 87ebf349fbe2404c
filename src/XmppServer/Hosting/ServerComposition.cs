using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using XmppServer.Core.Accounts;
using XmppServer.Core.Hosting;
using XmppServer.Modules.Carbons;
using XmppServer.Modules.Csi;
using XmppServer.Modules.Disco;
using XmppServer.Modules.Mam;
using XmppServer.Modules.Offline;
using XmppServer.Modules.Ping;
using XmppServer.Modules.Presence;
using XmppServer.Modules.Roster;
using XmppServer.Modules.Time;
using XmppServer.Modules.Version;
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
        services.AddOptionsWithValidateOnStart<OfflineOptions, OfflineOptionsValidator>().Bind(configuration.GetSection(OfflineOptions.SectionName));
        services.AddOptionsWithValidateOnStart<DiscoOptions, DiscoOptionsValidator>().Bind(configuration.GetSection(DiscoOptions.SectionName));
        services.AddOptionsWithValidateOnStart<MamOptions, MamOptionsValidator>().Bind(configuration.GetSection(MamOptions.SectionName));
        services.AddOptionsWithValidateOnStart<CsiOptions, CsiOptionsValidator>().Bind(configuration.GetSection(CsiOptions.SectionName));
        services.AddOptions<VersionOptions>().Bind(configuration.GetSection(VersionOptions.SectionName));
        services.AddSingleton<IDiscoAccountAccess, RosterDiscoAccess>();
        services.AddXmppModule<DiscoModule>();
        services.AddXmppModule<RosterModule>();
        services.AddXmppModule<PresenceModule>();
        services.AddXmppModule<MamModule>();
        services.AddXmppModule<OfflineModule>();
        services.AddXmppModule<CarbonsModule>();
        services.AddXmppModule<CsiModule>();
        services.AddXmppModule<PingModule>();
        services.AddXmppModule<VersionModule>();
        services.AddXmppModule<TimeModule>();

        // Last: the listeners stop first, so nothing is accepted while the rest shuts down.
        services.AddXmppListeners();
        return services;
    }
}
