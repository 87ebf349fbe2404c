using System.Globalization;
using Dapper;
using Microsoft.Data.Sqlite;
using XmppServer.Core.Accounts;
using XmppServer.Protocol;

namespace XmppServer.Storage.Sqlite.Accounts;

/// <summary>
/// Accounts in the <c>accounts</c> table, keyed by (domain, username) where both are the prepared parts of the bare
/// JID, so "Juliet@Capulet.example" and "juliet@capulet.example" are one account (RFC 7622 §3.2, §3.3).
/// </summary>
internal sealed class SqliteAccountStore(SqliteDatabase database) : IAccountStore
{
    private const string ExistsSql =
        "SELECT EXISTS (SELECT 1 FROM accounts WHERE domain = @domain AND username = @username);";

    private const string GetCredentialsSql =
        "SELECT iterations, salt, sha1_stored_key, sha1_server_key, sha256_stored_key, sha256_server_key " +
        "FROM accounts WHERE domain = @domain AND username = @username;";

    // ON CONFLICT DO NOTHING: an existing account is reported as "not created" rather than failing the statement, so
    // a bulk insert can skip the accounts that exist already inside its one transaction.
    private const string InsertSql =
        "INSERT INTO accounts (domain, username, iterations, salt, sha1_stored_key, sha1_server_key, sha256_stored_key, sha256_server_key, created_at) " +
        "VALUES (@domain, @username, @iterations, @salt, @sha1StoredKey, @sha1ServerKey, @sha256StoredKey, @sha256ServerKey, @createdAt) " +
        "ON CONFLICT (domain, username) DO NOTHING;";

    private const string UpdateSql =
        "UPDATE accounts SET iterations = @iterations, salt = @salt, sha1_stored_key = @sha1StoredKey, sha1_server_key = @sha1ServerKey, " +
        "sha256_stored_key = @sha256StoredKey, sha256_server_key = @sha256ServerKey WHERE domain = @domain AND username = @username;";

    private const string DeleteSql = "DELETE FROM accounts WHERE domain = @domain AND username = @username;";

    private const string ListSql = "SELECT username FROM accounts WHERE domain = @domain ORDER BY username;";

    public async ValueTask<bool> ExistsAsync(Jid user, CancellationToken cancellationToken)
    {
        var (domain, username) = Key(user);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            ExistsSql, new { domain, username }, cancellationToken: cancellationToken));
    }

    public async ValueTask<StoredCredentials?> GetCredentialsAsync(Jid user, CancellationToken cancellationToken)
    {
        var (domain, username) = Key(user);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(
            GetCredentialsSql, new { domain, username }, cancellationToken: cancellationToken));
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new StoredCredentials(
            reader.GetInt32(0),
            (byte[])reader.GetValue(1),
            (byte[])reader.GetValue(2),
            (byte[])reader.GetValue(3),
            (byte[])reader.GetValue(4),
            (byte[])reader.GetValue(5));
    }

    public async ValueTask<bool> CreateAsync(Jid user, StoredCredentials credentials, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        var (domain, username) = Key(user);
        await using var connection = await database.OpenAsync(cancellationToken);
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            InsertSql, Row(domain, username, credentials, Now()), cancellationToken: cancellationToken));
        return inserted == 1;
    }

    public async ValueTask<bool> SetCredentialsAsync(Jid user, StoredCredentials credentials, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        var (domain, username) = Key(user);
        await using var connection = await database.OpenAsync(cancellationToken);
        var updated = await connection.ExecuteAsync(new CommandDefinition(
            UpdateSql, Row(domain, username, credentials, createdAt: null), cancellationToken: cancellationToken));
        return updated == 1;
    }

    public async ValueTask<bool> DeleteAsync(Jid user, CancellationToken cancellationToken)
    {
        var (domain, username) = Key(user);
        await using var connection = await database.OpenAsync(cancellationToken);
        var deleted = await connection.ExecuteAsync(new CommandDefinition(
            DeleteSql, new { domain, username }, cancellationToken: cancellationToken));
        return deleted == 1;
    }

    public async ValueTask<IReadOnlyList<string>> ListAsync(string domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        await using var connection = await database.OpenAsync(cancellationToken);
        var usernames = await connection.QueryAsync<string>(new CommandDefinition(
            ListSql, new { domain }, cancellationToken: cancellationToken));
        return usernames.AsList();
    }

    public async ValueTask<int> CreateManyAsync(
        IReadOnlyList<(Jid User, StoredCredentials Credentials)> accounts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        if (accounts.Count == 0)
        {
            return 0;
        }

        await using var connection = await database.OpenAsync(cancellationToken);

        // One transaction (BEGIN IMMEDIATE: the write lock is taken up front, so a concurrent writer in the other
        // process waits on busy_timeout instead of failing half way) and one prepared statement reused for every row:
        // SQLite then syncs once at commit, which is what makes tens of thousands of rows take about a second.
        // Dapper would re-bind the parameters through reflection per row, so this path uses the command directly.
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(
            System.Data.IsolationLevel.Serializable, cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = InsertSql;
        var domain = command.Parameters.Add("@domain", SqliteType.Text);
        var username = command.Parameters.Add("@username", SqliteType.Text);
        var iterations = command.Parameters.Add("@iterations", SqliteType.Integer);
        var salt = command.Parameters.Add("@salt", SqliteType.Blob);
        var sha1StoredKey = command.Parameters.Add("@sha1StoredKey", SqliteType.Blob);
        var sha1ServerKey = command.Parameters.Add("@sha1ServerKey", SqliteType.Blob);
        var sha256StoredKey = command.Parameters.Add("@sha256StoredKey", SqliteType.Blob);
        var sha256ServerKey = command.Parameters.Add("@sha256ServerKey", SqliteType.Blob);
        command.Parameters.AddWithValue("@createdAt", Now());
        command.Prepare();

        var created = 0;
        foreach (var (user, credentials) in accounts)
        {
            ArgumentNullException.ThrowIfNull(credentials);
            (domain.Value, username.Value) = Key(user);
            iterations.Value = credentials.Iterations;
            salt.Value = credentials.Salt;
            sha1StoredKey.Value = credentials.Sha1StoredKey;
            sha1ServerKey.Value = credentials.Sha1ServerKey;
            sha256StoredKey.Value = credentials.Sha256StoredKey;
            sha256ServerKey.Value = credentials.Sha256ServerKey;
            created += await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return created;
    }

    private static (string Domain, string Username) Key(Jid user)
    {
        ArgumentNullException.ThrowIfNull(user);

        // RFC 7622 §3.3: the localpart names the account; a resource never reaches the key (RFC 6120 §7: a resource
        // belongs to a session, not to the account).
        if (user.Local is null)
        {
            throw new ArgumentException("An account JID needs a localpart.", nameof(user));
        }

        return (user.Domain, user.Local);
    }

    private static object Row(string domain, string username, StoredCredentials credentials, string? createdAt) => new
    {
        domain,
        username,
        iterations = credentials.Iterations,
        salt = credentials.Salt,
        sha1StoredKey = credentials.Sha1StoredKey,
        sha1ServerKey = credentials.Sha1ServerKey,
        sha256StoredKey = credentials.Sha256StoredKey,
        sha256ServerKey = credentials.Sha256ServerKey,
        createdAt,
    };

    private static string Now() => DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
}
