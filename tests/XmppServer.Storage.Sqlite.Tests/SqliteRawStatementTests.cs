using Dapper;
using Microsoft.Data.Sqlite;

namespace XmppServer.Storage.Sqlite.Tests;

public sealed class SqliteRawStatementTests : IAsyncLifetime
{
    private TempDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TempDatabase.CreateAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task Execute_BindsTextNullAndIntegers_AndRunsAgainWithNewValues()
    {
        await using var connection = await _db.Database.OpenAsync(default);
        await connection.ExecuteAsync("CREATE TABLE t (k INTEGER PRIMARY KEY, a TEXT, b TEXT);");
        using (var insert = new SqliteRawStatement(connection, "INSERT INTO t (k, a, b) VALUES (@k, @a, @b);"))
        {
            insert.Bind("@k", 1);
            insert.Bind("@a", "héllo <x/>");
            insert.Bind("@b", null);
            insert.Execute();
            insert.Bind("@k", 2);
            insert.Bind("@a", "again");
            insert.Bind("@b", "b");
            insert.Execute();
        }

        var rows = (await connection.QueryAsync<(long K, string A, string? B)>("SELECT k, a, b FROM t ORDER BY k;")).ToList();

        Assert.Equal([(1L, "héllo <x/>", (string?)null), (2L, "again", "b")], rows);
    }

    [Fact]
    public async Task Execute_ConstraintViolation_ThrowsSqliteException_AndTheStatementStillWorks()
    {
        await using var connection = await _db.Database.OpenAsync(default);
        await connection.ExecuteAsync("CREATE TABLE t (k INTEGER PRIMARY KEY);");
        using var insert = new SqliteRawStatement(connection, "INSERT INTO t (k) VALUES (@k);");
        insert.Bind("@k", 1);
        insert.Execute();

        var error = Assert.Throws<SqliteException>(insert.Execute);
        insert.Bind("@k", 2);
        insert.Execute();

        Assert.Equal(19, error.SqliteErrorCode); // SQLITE_CONSTRAINT
        Assert.Equal(2, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM t;"));
    }

    [Fact]
    public async Task Bind_UnknownParameter_Refused()
    {
        await using var connection = await _db.Database.OpenAsync(default);
        using var select = new SqliteRawStatement(connection, "SELECT @k;");

        Assert.Throws<ArgumentException>(() => select.Bind("@nope", 1));
    }

    [Fact]
    public async Task Create_InvalidSql_ThrowsSqliteException()
    {
        await using var connection = await _db.Database.OpenAsync(default);

        Assert.Throws<SqliteException>(() => new SqliteRawStatement(connection, "INSERT INTO nowhere VALUES (1);"));
    }
}
