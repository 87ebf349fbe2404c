using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using XmppServer.Core.Connections;

namespace XmppServer.Core.Tests.Connections;

public sealed class DuplexPipeStreamTests
{
    private readonly Pipe _incoming = new();
    private readonly Pipe _outgoing = new();

    private DuplexPipeStream NewStream() => new(_incoming.Reader, _outgoing.Writer);

    [Fact]
    public async Task Read_BytesAlreadyThere_CopiesWhatFitsAndLeavesTheRest()
    {
        using var stream = NewStream();
        await _incoming.Writer.WriteAsync(Encoding.ASCII.GetBytes("abcdef"));
        var buffer = new byte[4];

        var first = await stream.ReadAsync(buffer);
        var firstText = Encoding.ASCII.GetString(buffer, 0, first);
        var second = await stream.ReadAsync(buffer);

        Assert.Equal("abcd", firstText);
        Assert.Equal("ef", Encoding.ASCII.GetString(buffer, 0, second));
    }

    [Fact]
    public async Task Read_NothingYet_CompletesWhenBytesArrive()
    {
        using var stream = NewStream();
        var buffer = new byte[16];

        var read = stream.ReadAsync(buffer).AsTask();
        Assert.False(read.IsCompleted);
        await _incoming.Writer.WriteAsync(Encoding.ASCII.GetBytes("<iq/>"));

        Assert.Equal("<iq/>", Encoding.ASCII.GetString(buffer, 0, await read));
    }

    [Fact]
    public async Task ZeroByteRead_WaitsForBytes_AndConsumesNone()
    {
        // SslStream passes its caller's zero-byte reads on, so an idle connection holds no buffer while it waits.
        using var stream = NewStream();

        var wait = stream.ReadAsync(Memory<byte>.Empty).AsTask();
        Assert.False(wait.IsCompleted);
        await _incoming.Writer.WriteAsync(Encoding.ASCII.GetBytes("xy"));

        Assert.Equal(0, await wait);
        var buffer = new byte[8];
        Assert.Equal("xy", Encoding.ASCII.GetString(buffer, 0, await stream.ReadAsync(buffer)));
    }

    [Fact]
    public async Task Read_PeerCompletedThePipe_ReturnsZeroAfterTheLastBytes()
    {
        using var stream = NewStream();
        await _incoming.Writer.WriteAsync(Encoding.ASCII.GetBytes("end"));
        await _incoming.Writer.CompleteAsync();
        var buffer = new byte[8];

        Assert.Equal(3, await stream.ReadAsync(buffer));
        Assert.Equal(0, await stream.ReadAsync(buffer));
    }

    [Fact]
    public async Task Read_PendingReadCanceled_Throws()
    {
        using var stream = NewStream();
        var read = stream.ReadAsync(new byte[8]).AsTask();

        _incoming.Reader.CancelPendingRead();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
    }

    [Fact]
    public async Task Read_TokenCanceled_Throws()
    {
        using var stream = NewStream();
        using var cancel = new CancellationTokenSource();
        var read = stream.ReadAsync(new byte[8], cancel.Token).AsTask();

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
    }

    [Fact]
    public async Task Write_IsFlushedToThePipe()
    {
        using var stream = NewStream();

        await stream.WriteAsync(Encoding.ASCII.GetBytes("hello"));
        await stream.FlushAsync();

        var result = await _outgoing.Reader.ReadAsync();
        Assert.Equal("hello", Encoding.ASCII.GetString(result.Buffer.ToArray()));
    }

    [Fact]
    public async Task Write_WhileTheReaderHoldsBackPressure_CompletesOnceItReads()
    {
        var outgoing = new Pipe(new PipeOptions(pauseWriterThreshold: 4, resumeWriterThreshold: 2));
        using var stream = new DuplexPipeStream(_incoming.Reader, outgoing.Writer);

        var write = stream.WriteAsync(Encoding.ASCII.GetBytes("0123456789")).AsTask();
        Assert.False(write.IsCompleted);
        var result = await outgoing.Reader.ReadAsync();
        var written = Encoding.ASCII.GetString(result.Buffer.ToArray());
        outgoing.Reader.AdvanceTo(result.Buffer.End);

        await write;
        Assert.Equal("0123456789", written);
    }

    [Fact]
    public void SyncCalls_AreRefused()
    {
        using var stream = NewStream();

        Assert.Throws<NotSupportedException>(() => stream.Read(new byte[1], 0, 1));
        Assert.Throws<NotSupportedException>(() => stream.Write(new byte[1], 0, 1));
        Assert.Throws<NotSupportedException>(stream.Flush);
    }
}
