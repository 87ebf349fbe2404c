using Microsoft.Data.Sqlite;

namespace XmppServer.Storage.Sqlite;

/// <summary>
/// What a <see cref="SqliteWrite"/> runs its statements with: the writer's connection, the open batch transaction and
/// commands prepared once per connection, so a batch of a hundred inserts parses its SQL once, not a hundred times.
/// </summary>
internal sealed class SqliteWriteContext(SqliteConnection connection) : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SqliteRawStatement> _statements = new(StringComparer.Ordinal);

    private SqliteTransaction? _transaction;

    public SqliteConnection Connection => connection;

    /// <summary>The command for <paramref name="sql"/> (a constant), enlisted in the batch transaction.</summary>
    public SqliteCommand Command(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
#pragma warning disable CA2100 // The SQL is one of the stores' parameterised constants.
            command.CommandText = sql;
#pragma warning restore CA2100
            _commands.Add(sql, command);
        }

        command.Transaction = _transaction;
        return command;
    }

    /// <summary>
    /// The prepared statement for <paramref name="sql"/> (a constant, returning no rows), for the writes of every
    /// message: it allocates next to nothing per execution (see <see cref="SqliteRawStatement"/>).
    /// </summary>
    public SqliteRawStatement Statement(string sql)
    {
        if (!_statements.TryGetValue(sql, out var statement))
        {
            statement = new SqliteRawStatement(connection, sql);
            _statements.Add(sql, statement);
        }

        return statement;
    }

    /// <summary>Sets a parameter of a cached command, creating it on first use; null is SQL NULL.</summary>
    public static void Bind(SqliteCommand command, string name, object? value)
    {
        ArgumentNullException.ThrowIfNull(command);
        var parameters = command.Parameters;
        var index = parameters.IndexOf(name);
        if (index < 0)
        {
            parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        else
        {
            parameters[index].Value = value ?? DBNull.Value;
        }
    }

    internal void Begin(SqliteTransaction? transaction) => _transaction = transaction;

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        // Finalized before the connection goes back to the pool.
        foreach (var statement in _statements.Values)
        {
            statement.Dispose();
        }

        _commands.Clear();
        _statements.Clear();
    }
}
