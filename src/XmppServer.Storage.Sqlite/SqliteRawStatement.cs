using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace XmppServer.Storage.Sqlite;

/// <summary>
/// A statement prepared once on the writer's connection and run through SQLite's own API. For the writes that come
/// with every message: a SqliteCommand allocates a parameter binder per bound value and a data reader and statement
/// enumerators per execution (about a fifth of everything the server allocated per message under chat load), where
/// binding and stepping a prepared statement allocates only the UTF-8 copy of each text value.
/// </summary>
/// <remarks>Runs inside whatever transaction the connection has open; used by the writer thread only.</remarks>
internal sealed class SqliteRawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private readonly Dictionary<string, int> _indexes = new(StringComparer.Ordinal);

    public SqliteRawStatement(SqliteConnection connection, string sql)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(_db, sql, out _statement), _db);
    }

    /// <summary>Binds text (null is SQL NULL) to the named parameter.</summary>
    public void Bind(string name, string? value)
        => Check(value is null ? raw.sqlite3_bind_null(_statement, Index(name)) : raw.sqlite3_bind_text(_statement, Index(name), value));

    public void Bind(string name, long value) => Check(raw.sqlite3_bind_int64(_statement, Index(name), value));

    /// <summary>Runs the statement to its end (it returns no rows) and makes it ready to run again.</summary>
    public void Execute()
    {
        int result;
        while ((result = raw.sqlite3_step(_statement)) == raw.SQLITE_ROW)
        {
        }

        // The error is read before the reset, which would report it again but may change the connection's message.
        try
        {
            if (result != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(result, _db);
            }
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    public void Dispose() => _statement.Dispose();

    private int Index(string name)
    {
        if (!_indexes.TryGetValue(name, out var index))
        {
            index = raw.sqlite3_bind_parameter_index(_statement, name);
            if (index == 0)
            {
                throw new ArgumentException($"The statement has no parameter {name}.", nameof(name));
            }

            _indexes.Add(name, index);
        }

        return index;
    }

    private void Check(int result)
    {
        if (result != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(result, _db);
        }
    }
}
