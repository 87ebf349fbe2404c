using Microsoft.Extensions.Hosting;

namespace XmppServer.Storage.Sqlite;

/// <summary>Brings the database schema up to date when the host starts, before the listeners accept anyone.</summary>
internal sealed class SqliteMigrationService(SqliteDatabase database) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => database.MigrateAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
