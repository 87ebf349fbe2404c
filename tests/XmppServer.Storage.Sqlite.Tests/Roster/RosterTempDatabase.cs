using Microsoft.Data.Sqlite;

namespace XmppServer.Storage.Sqlite.Tests.Roster;

/// <summary>A migrated SQLite file in a fresh temporary directory, removed afterwards.</summary>
internal sealed class RosterTempDatabase : IAsyncDisposable
{
    private readonly string _directory;

    private RosterTempDatabase(string directory)
    {
        _directory = directory;
        Database = new SqliteDatabase(Path.Combine(directory, "roster.db"));
    }

    public SqliteDatabase Database { get; }

    public static async Task<RosterTempDatabase> CreateAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "xmppserver-roster-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var database = new RosterTempDatabase(directory);
        await database.Database.MigrateAsync(CancellationToken.None);
        return database;
    }

    public async ValueTask DisposeAsync()
    {
        // Pooled connections keep the file open; release this database's pool (not every pool: other test classes
        // run in parallel, and clearing their pools disposes connections they are opening) before removing the files.
        await using (var connection = await Database.OpenAsync(CancellationToken.None))
        {
            SqliteConnection.ClearPool(connection);
        }

        Directory.Delete(_directory, recursive: true);
    }
}
