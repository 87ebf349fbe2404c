using System.Data;
using Microsoft.Data.Sqlite;

namespace XmppServer.Storage.Sqlite;

/// <summary>
/// Group commit for the writes that come with every message (archive entries, offline messages). A commit with
/// synchronous=FULL waits for the disk (milliseconds, where the statements take microseconds), so one commit per
/// message caps the whole server at a few hundred messages a second and makes concurrent writers queue on SQLite's
/// busy handler. Here one writer thread takes every write queued so far, runs them in one transaction and commits
/// once; each caller is answered after that commit, so "durable when it returns" still holds for every write. Under
/// light load a batch is one write and nothing waits longer than before; under heavy load the batches grow and the
/// disk cost per write shrinks with them.
/// </summary>
/// <remarks>
/// Writes run in the order they were queued, so an archive written through the queue is in routing order.
/// Microsoft.Data.Sqlite does its I/O synchronously even behind its async methods; the writer is a thread of its own,
/// so waiting for the disk never holds a thread-pool thread. The thread ends after a few idle seconds and starts again
/// with the next write, which also returns its connection to the pool.
/// </remarks>
internal sealed class SqliteWriteQueue(SqliteDatabase database) : IAsyncDisposable
{
    /// <summary>
    /// The most writes one transaction holds, so no batch keeps the write lock for long (4,096 appends take some tens
    /// of milliseconds). Large on purpose: the batch only grows when writes arrive faster than commits, and then every
    /// write of a batch that lands on a page another one dirtied already (the tail of the same archive, of the same
    /// index) costs no page of its own in the WAL. At 4,000 messages/s a cap of 256 held the writer to about 3,900
    /// messages/s and the backlog grew without end; with this one the same load ran a minute at p99 8 ms.
    /// </summary>
    internal const int MaxBatch = 4096;

    private readonly Lock _gate = new();
    private readonly Queue<SqliteWrite> _queue = new();

    // Set when there is something for the writer to do. No spinning before it sleeps: a writer that spins burns the
    // CPU the connections need, for a wake-up gain of microseconds against a commit of milliseconds.
    private readonly ManualResetEventSlim _wake = new(initialState: false, spinCount: 0);
    private TaskCompletionSource? _writerExited;
    private bool _disposed;
    private long _commits;

    /// <summary>How long the writer thread waits for the next write before it ends.</summary>
    internal TimeSpan IdleLifetime { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Transactions committed so far (each holds one or more writes).</summary>
    internal long Commits => Interlocked.Read(ref _commits);

    /// <summary>Writer threads started so far.</summary>
    internal int WritersStarted { get; private set; }

    /// <summary>Queues <paramref name="write"/>; the task completes once it is committed (or failed).</summary>
    public Task<TResult> EnqueueAsync<TResult>(SqliteWrite<TResult> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);

        // Once queued, a write is not taken back: its caller may stop waiting, but the write still commits, as a
        // single commit in flight would have.
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _queue.Enqueue(write);
            if (_writerExited is null)
            {
                _writerExited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                WritersStarted++;
                var writer = new Thread(Run) { IsBackground = true, Name = "sqlite-writer" };

                // No ExecutionContext flows into the writer: it serves every caller, not the one that started it.
                writer.UnsafeStart();
            }
            else
            {
                _wake.Set();
            }
        }

        return write.Task;
    }

    /// <summary>Lets the writer finish what is queued, then stops it.</summary>
    public async ValueTask DisposeAsync()
    {
        Task? exited;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            exited = _writerExited?.Task;
            _wake.Set();
        }

        if (exited is not null)
        {
            await exited;
        }

        _wake.Dispose();
    }

    private void Run()
    {
        var batch = new List<SqliteWrite>();
        SqliteConnection? connection = null;
        SqliteWriteContext? context = null;
        try
        {
            while (TakeBatch(batch))
            {
                try
                {
                    connection ??= OpenWriterConnection();
                    context ??= new SqliteWriteContext(connection);
                }
                catch (Exception exception)
                {
                    FailAll(batch, exception);
                    continue;
                }

                if (!Commit(context, batch))
                {
                    // A failed BEGIN or COMMIT leaves the connection in doubt: the next batch starts on a fresh one.
                    context.Dispose();
                    connection.Dispose();
                    context = null;
                    connection = null;
                }
            }
        }
        finally
        {
            context?.Dispose();
            connection?.Dispose();
        }
    }

    private SqliteConnection OpenWriterConnection()
    {
        var connection = database.Open();
        try
        {
            // Every append touches the tails of per-user indexes spread over the file; with SQLite's default 2 MB
            // page cache a thousand active users already miss it and re-read pages. The writer is one connection,
            // so a larger cache costs that much once, and only as far as it fills.
            using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA cache_size=-32768;";
            pragma.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Waits for writes and takes up to <see cref="MaxBatch"/>; false when the writer should end.</summary>
    private bool TakeBatch(List<SqliteWrite> batch)
    {
        while (true)
        {
            lock (_gate)
            {
                if (_queue.Count > 0)
                {
                    while (batch.Count < MaxBatch && _queue.TryDequeue(out var write))
                    {
                        batch.Add(write);
                    }

                    return true;
                }

                if (_disposed)
                {
                    _writerExited!.TrySetResult();
                    return false;
                }

                // Reset under the lock: a write queued after this point sets it again, so no wake-up is lost.
                _wake.Reset();
            }

            if (!_wake.Wait(IdleLifetime))
            {
                lock (_gate)
                {
                    if (_queue.Count == 0)
                    {
                        // Idle: end, and let the next write start a writer again.
                        _writerExited!.TrySetResult();
                        _writerExited = null;
                        return false;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Runs the batch in one transaction and answers every write. A write that throws is failed alone and the rest
    /// run again without it; a failed BEGIN or COMMIT fails the whole batch (nothing of it is durable). Returns false
    /// when the connection should be replaced.
    /// </summary>
    private bool Commit(SqliteWriteContext context, List<SqliteWrite> batch)
    {
        while (batch.Count > 0)
        {
            var failing = -1;
            try
            {
                using var transaction = context.Connection.BeginTransaction(IsolationLevel.Serializable, deferred: false);
                context.Begin(transaction);
                for (var i = 0; i < batch.Count; i++)
                {
                    failing = i;
                    batch[i].Execute(context);
                }

                failing = -1;
                transaction.Commit();
                Interlocked.Increment(ref _commits);
            }
            catch (Exception exception)
            {
                if (failing < 0)
                {
                    FailAll(batch, exception);
                    return false;
                }

                batch[failing].Fail(exception);
                batch.RemoveAt(failing);
                continue;
            }
            finally
            {
                context.Begin(null);
            }

            foreach (var write in batch)
            {
                write.Complete();
            }

            batch.Clear();
        }

        return true;
    }

    private static void FailAll(List<SqliteWrite> batch, Exception exception)
    {
        foreach (var write in batch)
        {
            write.Fail(exception);
        }

        batch.Clear();
    }
}
