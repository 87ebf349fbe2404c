namespace XmppServer.LoadTest.Scenarios;

/// <summary>The sequence numbers seen from one sender (1, 2, 3, ...), to tell duplicates from first deliveries.
/// Not thread-safe: one receiver's messages arrive on its own receive loop.</summary>
internal sealed class SequenceSet
{
    private ulong[] _bits = new ulong[4];

    /// <summary>Adds <paramref name="sequence"/>; false if it was already there.</summary>
    public bool Add(long sequence)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        var word = (int)(sequence >> 6);
        if (word >= _bits.Length)
        {
            Array.Resize(ref _bits, Math.Max(word + 1, _bits.Length * 2));
        }

        var mask = 1UL << (int)(sequence & 63);
        if ((_bits[word] & mask) != 0)
        {
            return false;
        }

        _bits[word] |= mask;
        return true;
    }
}
