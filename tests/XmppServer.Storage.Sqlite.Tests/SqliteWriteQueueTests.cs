using Dapper;

namespace XmppServer.Storage.Sqlite.Tests;

public sealed class SqliteWriteQueueTests : IAsyncLifetime
{
    private TempDatabase _db = null!;

    public async Task InitializeAsync()
    {
        _db = await TempDatabase.CreateAsync();
        await using var connection = await _db.Database.OpenAsync(default);
        await connection.ExecuteAsync("CREATE TABLE notes (n INTEGER PRIMARY KEY, text TEXT NOT NULL);");
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task Enqueue_ManyWritesAtOnce_AllDurableInQueueOrderWithFarFewerCommits()
    {
        await using var queue = new SqliteWriteQueue(_db.Database);

        var writes = Enumerable.Range(1, 1000).Select(i => queue.EnqueueAsync(new NoteWrite(i), default)).ToList();
        var results = await Task.WhenAll(writes);

        // Each write saw every write queued before it (one writer, queue order, one transaction per batch).
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), results);
        Assert.Equal(Enumerable.Range(1, 1000).Select(i => (long)i), await NotesAsync());
        Assert.InRange(queue.Commits, 1, 100);
    }

    [Fact]
    public async Task Enqueue_OneWriteThrows_OnlyThatWriteFailsAndTheRestOfItsBatchCommits()
    {
        await using var queue = new SqliteWriteQueue(_db.Database);

        var writes = new List<Task<long>>();
        for (var i = 1; i <= 50; i++)
        {
            writes.Add(queue.EnqueueAsync<long>(i == 25 ? new FailingWrite() : new NoteWrite(i), default));
        }

        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => writes[24]);
        Assert.Equal("refused", failed.Message);
        foreach (var write in writes.Where((_, i) => i != 24))
        {
            await write;
        }

        Assert.Equal(Enumerable.Range(1, 50).Where(n => n != 25).Select(n => (long)n), await NotesAsync());
    }

    [Fact]
    public async Task Enqueue_ConstraintViolation_FailsWithTheSqliteErrorAndLaterWritesStillCommit()
    {
        await using var queue = new SqliteWriteQueue(_db.Database);
        await queue.EnqueueAsync(new NoteWrite(1), default);

        await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => queue.EnqueueAsync(new NoteWrite(1), default));
        await queue.EnqueueAsync(new NoteWrite(2), default);

        Assert.Equal([1L, 2L], await NotesAsync());
    }

    [Fact]
    public async Task Dispose_WritesStillQueued_AreCommittedBeforeItReturns()
    {
        var queue = new SqliteWriteQueue(_db.Database);
        var writes = Enumerable.Range(1, 300).Select(i => queue.EnqueueAsync(new NoteWrite(i), default)).ToList();

        await queue.DisposeAsync();

        Assert.All(writes, write => Assert.True(write.IsCompletedSuccessfully));
        Assert.Equal(300, (await NotesAsync()).Count);
        Assert.Throws<ObjectDisposedException>(() => { _ = queue.EnqueueAsync(new NoteWrite(301), default); });
    }

    [Fact]
    public async Task Enqueue_AfterTheWriterWentIdle_StartsAWriterAgain()
    {
        await using var queue = new SqliteWriteQueue(_db.Database) { IdleLifetime = TimeSpan.FromMilliseconds(20) };
        await queue.EnqueueAsync(new NoteWrite(1), default);

        // The writer ends once idle; waiting for that is bounded, and the next write must still commit.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (queue.WritersStarted == 1 && DateTime.UtcNow < deadline)
        {
            await queue.EnqueueAsync(new NoteWrite(queue.WritersStarted + (int)queue.Commits + 1), default);
            await Task.Delay(100);
        }

        Assert.True(queue.WritersStarted >= 2);
        Assert.Equal((int)queue.Commits, (await NotesAsync()).Count);
    }

    [Fact]
    public async Task Enqueue_CancelledBeforeQueueing_ThrowsAndWritesNothing()
    {
        await using var queue = new SqliteWriteQueue(_db.Database);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => queue.EnqueueAsync(new NoteWrite(1), new CancellationToken(canceled: true)));

        Assert.Empty(await NotesAsync());
        Assert.Equal(0, queue.WritersStarted);
    }

    private async Task<List<long>> NotesAsync()
    {
        await using var connection = await _db.Database.OpenAsync(default);
        return (await connection.QueryAsync<long>("SELECT n FROM notes ORDER BY n;")).ToList();
    }

    /// <summary>Inserts note n; its result is how many notes existed before it, as its transaction saw them.</summary>
    private sealed class NoteWrite(long n) : SqliteWrite<long>
    {
        protected override long Run(SqliteWriteContext context)
        {
            var count = context.Command("SELECT COUNT(*) FROM notes;");
            var before = (long)count.ExecuteScalar()!;
            var insert = context.Command("INSERT INTO notes (n, text) VALUES (@n, @text);");
            SqliteWriteContext.Bind(insert, "@n", n);
            SqliteWriteContext.Bind(insert, "@text", "note");
            insert.ExecuteNonQuery();
            return before;
        }
    }

    private sealed class FailingWrite : SqliteWrite<long>
    {
        protected override long Run(SqliteWriteContext context)
        {
            // Something written first, so a rollback that kept it would show up as an extra note.
            var insert = context.Command("INSERT INTO notes (n, text) VALUES (@n, @text);");
            SqliteWriteContext.Bind(insert, "@n", 1_000_000);
            SqliteWriteContext.Bind(insert, "@text", "from a failed write");
            insert.ExecuteNonQuery();
            throw new InvalidOperationException("refused");
        }
    }
}
