using System.Globalization;
using System.Reflection;
using Dapper;
using Microsoft.Data.Sqlite;

namespace XmppServer.Storage.Sqlite;

/// <summary>
/// Applies the embedded Migrations/NNNN_name.sql scripts in order, each in its own transaction, and records the
/// version reached in <c>schema_version</c>. Scripts are never edited once released: a change is a new script.
/// </summary>
internal static class Migrator
{
    private const string ResourcePrefix = "XmppServer.Storage.Sqlite.Migrations.";

    public static IReadOnlyList<(int Version, string Name)> Migrations { get; } = LoadMigrationNames();

    public static async Task ApplyAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        // WAL lets readers run beside the single writer, and the CLI beside the running server.
        await connection.ExecuteAsync(new CommandDefinition("PRAGMA journal_mode=WAL;", cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);",
            cancellationToken: cancellationToken));

        foreach (var (version, name) in Migrations)
        {
            // BEGIN IMMEDIATE takes the write lock first, so two processes starting together cannot both apply a script.
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, cancellationToken);
            var applied = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM schema_version WHERE version = @version;", new { version }, transaction, cancellationToken: cancellationToken));
            if (applied > 0)
            {
                continue;
            }

            var sql = ReadScript(name);
            await connection.ExecuteAsync(new CommandDefinition(sql, transaction: transaction, cancellationToken: cancellationToken));
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (@version, @name, @at);",
                new { version, name, at = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture) },
                transaction,
                cancellationToken: cancellationToken));
            await transaction.CommitAsync(cancellationToken);
        }
    }

    private static List<(int, string)> LoadMigrationNames()
    {
        var list = new List<(int, string)>();
        foreach (var resource in typeof(Migrator).Assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }

            var name = resource[ResourcePrefix.Length..];
            var underscore = name.IndexOf('_', StringComparison.Ordinal);
            if (underscore <= 0 || !int.TryParse(name.AsSpan(0, underscore), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                throw new InvalidOperationException($"Migration '{name}' is not named NNNN_name.sql.");
            }

            list.Add((version, name));
        }

        list.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        for (var i = 1; i < list.Count; i++)
        {
            if (list[i].Item1 == list[i - 1].Item1)
            {
                throw new InvalidOperationException($"Two migrations share version {list[i].Item1}.");
            }
        }

        return list;
    }

    private static string ReadScript(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourcePrefix + name)
            ?? throw new InvalidOperationException($"Migration '{name}' is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
