using Microsoft.Data.Sqlite;

namespace XmppServer.Storage.Sqlite;

/// <summary>
/// One write handed to the <see cref="SqliteWriteQueue"/>: it runs inside a transaction shared with the writes queued
/// beside it, and its caller is answered only after that transaction has committed.
/// </summary>
internal abstract class SqliteWrite
{
    /// <summary>Runs the write's statements in the batch's transaction. Throwing rolls the batch back.</summary>
    public abstract void Execute(SqliteWriteContext context);

    /// <summary>The batch holding this write has committed: its effect is durable.</summary>
    public abstract void Complete();

    /// <summary>The write could not be made durable.</summary>
    public abstract void Fail(Exception exception);
}

/// <summary>A write with a result, answered through a task once the result is durable.</summary>
internal abstract class SqliteWrite<TResult> : SqliteWrite
{
    // Continuations run on the thread pool, never on the writer thread: a caller resuming inline would hold up every
    // write queued behind it.
    private readonly TaskCompletionSource<TResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private TResult _result = default!;

    public Task<TResult> Task => _completion.Task;

    public sealed override void Execute(SqliteWriteContext context) => _result = Run(context);

    public sealed override void Complete() => _completion.TrySetResult(_result);

    public sealed override void Fail(Exception exception) => _completion.TrySetException(exception);

    /// <summary>The statements of this write; the value is the caller's result once the batch commits.</summary>
    protected abstract TResult Run(SqliteWriteContext context);
}
