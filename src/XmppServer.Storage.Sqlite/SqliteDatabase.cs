using Microsoft.Data.Sqlite;

namespace XmppServer.Storage.Sqlite;

/// <summary>
/// The server's single SQLite database file. Hands out open connections configured for WAL and a busy timeout, so the
/// running server and the CLI (another process) can use the same file at once.
/// </summary>
public sealed class SqliteDatabase
{
    /// <summary>How long a writer waits for another process's write lock before failing.</summary>
    private const int BusyTimeoutMilliseconds = 10_000;

    private readonly string _connectionString;

    public SqliteDatabase(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = BusyTimeoutMilliseconds / 1000,
        }.ToString();
    }

    public string Path { get; }

    /// <summary>Opens a pooled connection. WAL is a property of the file, set once by <see cref="MigrateAsync"/>.</summary>
    public async ValueTask<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            using var pragma = connection.CreateCommand();

            // synchronous=FULL with WAL: a commit is durable once it returns, so nothing acknowledged is lost on a
            // crash or power cut (an offline message is committed before anyone is told it was stored).
            pragma.CommandText = $"PRAGMA busy_timeout={BusyTimeoutMilliseconds}; PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;";
            await pragma.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates the file if needed, switches it to WAL and applies the migrations not applied yet.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        await using var connection = await OpenAsync(cancellationToken);
        await Migrator.ApplyAsync(connection, cancellationToken);
    }
}
