using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using XmppServer.Core.Accounts;
using XmppServer.Core.Hosting;
using XmppServer.Protocol;

namespace XmppServer.Storage.Sqlite.Tests;

public sealed class SqliteDatabaseTests
{
    [Fact]
    public async Task MigrateAsync_NewFile_RecordsEveryMigrationInSchemaVersion()
    {
        await using var temp = await TempDatabase.CreateAsync();

        var rows = await ReadSchemaVersionsAsync(temp.Database);

        Assert.Equal(Migrator.Migrations.Select(m => ((long)m.Version, m.Name)), rows);
        Assert.Contains((1L, "0001_accounts.sql"), rows);
    }

    [Fact]
    public async Task MigrateAsync_RunTwice_IsIdempotentAndKeepsData()
    {
        await using var temp = await TempDatabase.CreateAsync();
        var store = new Accounts.SqliteAccountStore(temp.Database);
        await store.CreateAsync(Jid.Parse("juliet@capulet.example"), new StoredCredentials(4096, [1], [2], [3], [4], [5]), CancellationToken.None);

        await temp.Database.MigrateAsync(CancellationToken.None);
        await new SqliteDatabase(temp.Database.Path).MigrateAsync(CancellationToken.None);

        Assert.Equal(Migrator.Migrations.Count, (await ReadSchemaVersionsAsync(temp.Database)).Count);
        Assert.True(await store.ExistsAsync(Jid.Parse("juliet@capulet.example"), CancellationToken.None));
    }

    [Fact]
    public async Task MigrateAsync_NewFile_SwitchesToWal()
    {
        await using var temp = await TempDatabase.CreateAsync();

        // A separate instance reads the mode stored in the file, not a setting of the migrating connection.
        await using var connection = await new SqliteDatabase(temp.Database.Path).OpenAsync(CancellationToken.None);
        var mode = await connection.ExecuteScalarAsync<string>(new CommandDefinition("PRAGMA journal_mode;"));

        Assert.Equal("wal", mode);
    }

    [Fact]
    public async Task MigrateAsync_MissingDirectory_CreatesIt()
    {
        await using var temp = await TempDatabase.CreateAsync(migrate: false);
        var database = new SqliteDatabase(Path.Combine(temp.Directory, "nested", "deeper", "xmppserver.db"));

        await database.MigrateAsync(CancellationToken.None);

        Assert.True(File.Exists(database.Path));
    }

    [Fact]
    public async Task AddSqliteStorage_HostStart_MigratesTheFileInTheDataDirectory()
    {
        await using var temp = await TempDatabase.CreateAsync(migrate: false);
        var services = new ServiceCollection();
        services.Configure<XmppServerOptions>(options => options.DataDirectory = temp.Directory);
        services.AddSqliteStorage();
        await using var provider = services.BuildServiceProvider();

        // As the host does: every lifecycle service's StartingAsync, then every StartAsync.
        var hostedServices = provider.GetServices<IHostedService>().ToList();
        foreach (var hosted in hostedServices.OfType<IHostedLifecycleService>())
        {
            await hosted.StartingAsync(CancellationToken.None);
        }

        foreach (var hosted in hostedServices)
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        var database = provider.GetRequiredService<SqliteDatabase>();
        Assert.Equal(Path.Combine(temp.Directory, "xmppserver.db"), database.Path);
        Assert.Equal(Migrator.Migrations.Count, (await ReadSchemaVersionsAsync(database)).Count);
        Assert.IsType<Accounts.SqliteAccountStore>(provider.GetRequiredService<IAccountStore>());
        Assert.Same(provider.GetRequiredService<IAccountStore>(), provider.GetRequiredService<IAccountStore>());
    }

    private static async Task<List<(long Version, string Name)>> ReadSchemaVersionsAsync(SqliteDatabase database)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        var rows = await connection.QueryAsync<(long, string)>(new CommandDefinition("SELECT version, name FROM schema_version ORDER BY version;"));
        return rows.ToList();
    }
}
