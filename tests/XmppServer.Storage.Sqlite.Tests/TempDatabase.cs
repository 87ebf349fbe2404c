using Microsoft.Data.Sqlite;

namespace XmppServer.Storage.Sqlite.Tests;

/// <summary>A real SQLite file in a fresh temporary directory, removed afterwards.</summary>
internal sealed class TempDatabase : IAsyncDisposable
{
    private TempDatabase(string directory)
    {
        Directory = directory;
        Database = new SqliteDatabase(Path.Combine(directory, "xmppserver.db"));
    }

    public string Directory { get; }

    public SqliteDatabase Database { get; }

    public static async Task<TempDatabase> CreateAsync(bool migrate = true)
    {
        var directory = Path.Combine(Path.GetTempPath(), "xmppserver-tests-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var database = new TempDatabase(directory);
        if (migrate)
        {
            await database.Database.MigrateAsync(CancellationToken.None);
        }

        return database;
    }

    public async ValueTask DisposeAsync()
    {
        // The write queue commits what it holds and lets its connection go back to the pool.
        await Database.DisposeAsync();

        // Pooled connections keep the file open; release this database's pool (not every pool: other test classes
        // run in parallel, and clearing their pools disposes connections they are opening) before removing the files.
        await using (var connection = await Database.OpenAsync(CancellationToken.None))
        {
            SqliteConnection.ClearPool(connection);
        }

        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
