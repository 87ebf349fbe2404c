using Microsoft.Data.Sqlite;

namespace XmppServer.Storage.Sqlite.Tests.Offline;

/// <summary>A migrated SQLite database in a temporary file, deleted afterwards.</summary>
internal sealed class OfflineTestDatabase : IAsyncDisposable
{
    private OfflineTestDatabase(string path)
    {
        Path = path;
        Database = new SqliteDatabase(path);
    }

    public string Path { get; }

    public SqliteDatabase Database { get; }

    public static async Task<OfflineTestDatabase> CreateAsync()
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"offline-{Guid.NewGuid():N}.db");
        var database = new OfflineTestDatabase(path);
        await database.Database.MigrateAsync(CancellationToken.None);
        return database;
    }

    public ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        foreach (var suffix in (string[])["", "-wal", "-shm"])
        {
            File.Delete(Path + suffix);
        }

        return ValueTask.CompletedTask;
    }
}
