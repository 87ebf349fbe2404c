using XmppServer.Storage.Sqlite.Mam;

namespace XmppServer.Storage.Sqlite.Tests.Mam;

public sealed class ArchiveIdCodecTests
{
    private static readonly byte[] Key = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();

    [Theory]
    [InlineData(1L)]
    [InlineData(1_710_018_000_000_000L)]
    [InlineData(long.MaxValue)]
    public void Decode_OfEncode_GivesTheSeqBack(long seq)
    {
        using var codec = new ArchiveIdCodec(Key);

        var id = codec.Encode(seq);

        Assert.Equal(ArchiveIdCodec.IdLength, id.Length);
        Assert.Matches("^[A-Za-z0-9_-]+$", id);
        Assert.True(codec.TryDecode(id, out var decoded));
        Assert.Equal(seq, decoded);
    }

    [Fact]
    public void Encode_NeighbouringSeqs_ShareNothingVisible()
    {
        // XEP-0359 §6: nothing about the archive may be inferred from an id, such as how far apart two messages are.
        using var codec = new ArchiveIdCodec(Key);

        var first = codec.Encode(1_000_000);
        var second = codec.Encode(1_000_001);

        Assert.NotEqual(first[..8], second[..8]);
    }

    [Fact]
    public void Decode_IdMadeWithAnotherKey_False()
    {
        using var ours = new ArchiveIdCodec(Key);
        using var theirs = new ArchiveIdCodec(Key.Reverse().ToArray());

        Assert.False(ours.TryDecode(theirs.Encode(42), out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("short")]
    [InlineData("Ab3-_xYz09QwErTy")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("AAAAAAAAAAAAAAAAAAAA!!")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAA")]
    public void Decode_NotAnId_False(string id)
    {
        using var codec = new ArchiveIdCodec(Key);

        Assert.False(codec.TryDecode(id, out _));
    }

    [Fact]
    public void Create_KeyOfTheWrongLength_Refused()
        => Assert.Throws<ArgumentException>(() => new ArchiveIdCodec(new byte[8]));

    [Fact]
    public void IdOf_RowWithAStoredId_KeepsIt()
    {
        using var codec = new ArchiveIdCodec(Key);

        Assert.Equal("Ab3-_xYz09QwErTy", codec.IdOf(7, "Ab3-_xYz09QwErTy"));
        Assert.Equal(codec.Encode(7), codec.IdOf(7, string.Empty));
    }
}
