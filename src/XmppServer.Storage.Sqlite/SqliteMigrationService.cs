using Microsoft.Extensions.Hosting;

namespace XmppServer.Storage.Sqlite;

/// <summary>
/// Brings the database schema up to date when the host starts. It runs in StartingAsync, which the host calls before
/// any hosted service's StartAsync, so no listener accepts anyone before the tables exist.
/// </summary>
internal sealed class SqliteMigrationService(SqliteDatabase database) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => database.MigrateAsync(cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
