using System.Buffers;

namespace XmppServer.Protocol.Tests.Testing;

/// <summary>A linked segment for building multi-segment <see cref="ReadOnlySequence{T}"/>s (Bedrock's helper).</summary>
internal sealed class TestSequenceSegment : ReadOnlySequenceSegment<byte>
{
    private TestSequenceSegment(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    /// <summary>A sequence with one segment per part (empty parts included).</summary>
    public static ReadOnlySequence<byte> Create(params byte[][] parts)
    {
        ArgumentOutOfRangeException.ThrowIfZero(parts.Length);
        var first = new TestSequenceSegment(parts[0], 0);
        var last = first;
        for (var i = 1; i < parts.Length; i++)
        {
            var next = new TestSequenceSegment(parts[i], last.RunningIndex + last.Memory.Length);
            last.Next = next;
            last = next;
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary><paramref name="data"/> split into two segments at <paramref name="offset"/>.</summary>
    public static ReadOnlySequence<byte> Split(byte[] data, int offset) => Create(data[..offset], data[offset..]);
}
