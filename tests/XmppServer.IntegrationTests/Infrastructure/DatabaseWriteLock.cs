using Microsoft.Data.Sqlite;
using XmppServer.Storage.Sqlite;

namespace XmppServer.IntegrationTests.Infrastructure;

/// <summary>
/// The server's database write lock, held from a connection of the test's own as another process would hold it: no
/// write of the server's commits until <see cref="ReleaseAsync"/> (or disposal) rolls the holding transaction back.
/// </summary>
public sealed class DatabaseWriteLock : IAsyncDisposable
{
    private readonly SqliteConnection _connection;

    private DatabaseWriteLock(SqliteConnection connection) => _connection = connection;

    public static async Task<DatabaseWriteLock> TakeAsync(string dataDirectory)
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, SqliteStorageServiceCollectionExtensions.DatabaseFileName)}");
        try
        {
            await connection.OpenAsync();
            await ExecuteAsync(connection, "BEGIN IMMEDIATE;");
            return new DatabaseWriteLock(connection);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public Task ReleaseAsync() => ExecuteAsync(_connection, "ROLLBACK;");

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private static async Task ExecuteAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
