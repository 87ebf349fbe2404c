using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using XmppServer.Core.Accounts;
using XmppServer.Core.Hosting;
using XmppServer.Modules.Mam;
using XmppServer.Modules.Offline;
using XmppServer.Modules.Roster;
using XmppServer.Storage.Sqlite.Accounts;
using XmppServer.Storage.Sqlite.Mam;
using XmppServer.Storage.Sqlite.Offline;
using XmppServer.Storage.Sqlite.Roster;

namespace XmppServer.Storage.Sqlite;

public static class SqliteStorageServiceCollectionExtensions
{
    /// <summary>The database file inside Xmpp:DataDirectory.</summary>
    public const string DatabaseFileName = "xmppserver.db";

    /// <summary>
    /// Registers the SQLite database, every store implemented on it, and a hosted service that applies the
    /// migrations at start. Register it before the hosted services that use the stores (hosted services start in
    /// registration order).
    /// </summary>
    public static IServiceCollection AddSqliteStorage(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddSingleton(static sp => new SqliteDatabase(
            Path.Combine(sp.GetRequiredService<IOptions<XmppServerOptions>>().Value.DataDirectory, DatabaseFileName)));
        services.AddHostedService<SqliteMigrationService>();

        // Stores, one line each.
        services.AddSingleton<IAccountStore, SqliteAccountStore>();
        services.AddSingleton<IRosterStore, SqliteRosterStore>();
        services.AddSingleton<IOfflineStore, SqliteOfflineStore>();
        services.AddSingleton<IArchiveStore, SqliteArchiveStore>();

        return services;
    }
}
