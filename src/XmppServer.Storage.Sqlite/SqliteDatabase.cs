using Microsoft.Data.Sqlite;

namespace XmppServer.Storage.Sqlite;

/// <summary>
/// The server's single SQLite database file. Hands out open connections configured for WAL and a busy timeout, so the
/// running server and the CLI (another process) can use the same file at once. Writes that come with every message go
/// through <see cref="Writes"/>, which commits many of them at once.
/// </summary>
public sealed class SqliteDatabase : IAsyncDisposable
{
    /// <summary>How long a writer waits for another process's write lock before failing.</summary>
    private const int BusyTimeoutMilliseconds = 10_000;

    // synchronous=FULL with WAL: a commit is durable once it returns, so nothing acknowledged is lost on a crash or
    // power cut (an offline message is committed before anyone is told it was stored).
    private static readonly string ConnectionPragmas =
        $"PRAGMA busy_timeout={BusyTimeoutMilliseconds}; PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;";

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
        Writes = new SqliteWriteQueue(this);
    }

    public string Path { get; }

    /// <summary>The group-commit queue for this file.</summary>
    internal SqliteWriteQueue Writes { get; }

    /// <summary>Opens a pooled connection. WAL is a property of the file, set once by <see cref="MigrateAsync"/>.</summary>
    /// <remarks>
    /// Microsoft.Data.Sqlite opens and runs statements synchronously even behind its async methods, so both entry
    /// points share the one synchronous path rather than keeping two copies of it.
    /// </remarks>
    public ValueTask<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Open());
    }

    /// <summary>Opens a pooled connection configured for this file (busy timeout, foreign keys, durable commits).</summary>
    internal SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            using var pragma = connection.CreateCommand();
            pragma.CommandText = ConnectionPragmas;
            pragma.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Commits what is queued for writing and stops the writer.</summary>
    public ValueTask DisposeAsync() => Writes.DisposeAsync();

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
