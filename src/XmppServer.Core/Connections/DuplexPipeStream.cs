using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace XmppServer.Core.Connections;

/// <summary>
/// A Stream over a transport's duplex pipe, so that SslStream can run on top of it (the TLS transport swap of
/// STARTTLS, RFC 6120 §5.4.3.3). Reads come from the pipe's reader, writes go to its writer and are flushed.
/// </summary>
/// <remarks>
/// Async only: SslStream is driven through its async API alone, and the pipes have no blocking reads. Reads that have
/// to wait run on pooled state machines: the framework's PipeReader.AsStream allocated one per read that waited, which
/// on an idle session is every read, and each such young object written into the session's long-lived pipe made the
/// next gen0 collection scan that session again.
/// </remarks>
internal sealed class DuplexPipeStream(PipeReader input, PipeWriter output) : Stream
{
    private const string AsyncOnly = "The transport stream is asynchronous only.";

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush() => throw new NotSupportedException(AsyncOnly);

    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        var flush = output.FlushAsync(cancellationToken);
        if (flush.IsCompletedSuccessfully)
        {
            ThrowIfCanceled(flush.Result);
            return Task.CompletedTask;
        }

        return AwaitFlushAsync(flush);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException(AsyncOnly);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => input.TryRead(out var result) ? new ValueTask<int>(Consume(result, buffer.Span)) : ReadWhenAvailableAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException(AsyncOnly);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var write = output.WriteAsync(buffer, cancellationToken);
        if (write.IsCompletedSuccessfully)
        {
            ThrowIfCanceled(write.Result);
            return ValueTask.CompletedTask;
        }

        return AwaitWriteAsync(write);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReadWhenAvailableAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var result = await input.ReadAsync(cancellationToken);
        return Consume(result, buffer.Span);
    }

    /// <summary>Copies what fits of <paramref name="result"/> into <paramref name="destination"/> and consumes it.</summary>
    private int Consume(in ReadResult result, Span<byte> destination)
    {
        var source = result.Buffer;
        if (result.IsCanceled)
        {
            input.AdvanceTo(source.Start);
            throw new OperationCanceledException("The read was canceled.");
        }

        // A zero-byte read (SslStream passes on its caller's) waits for data and takes none; 0 with nothing left and
        // the pipe completed is the end of the stream.
        var count = (int)Math.Min(source.Length, destination.Length);
        var consumed = source.GetPosition(count);
        source.Slice(0, consumed).CopyTo(destination);
        input.AdvanceTo(consumed);
        return count;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask AwaitWriteAsync(ValueTask<FlushResult> write) => ThrowIfCanceled(await write);

    private static async Task AwaitFlushAsync(ValueTask<FlushResult> flush) => ThrowIfCanceled(await flush);

    private static void ThrowIfCanceled(FlushResult result)
    {
        if (result.IsCanceled)
        {
            throw new OperationCanceledException("The write was canceled.");
        }
    }
}
