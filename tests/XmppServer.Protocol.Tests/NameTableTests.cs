using System.Text;

namespace XmppServer.Protocol.Tests;

public class NameTableTests
{
    [Fact]
    public void NameTable_SameBytes_ReturnSameInstance()
    {
        var table = new NameTable();
        var bytes = "urn:example:thing"u8.ToArray();

        var first = table.GetOrAdd(bytes, NameTable.Hash(bytes), ascii: true);
        var second = table.GetOrAdd(bytes.ToArray(), NameTable.Hash(bytes), ascii: true);

        Assert.Equal("urn:example:thing", first);
        Assert.Same(first, second);
    }

    [Fact]
    public void NameTable_WellKnownNames_ArePreloaded()
    {
        var table = new NameTable();

        Assert.True(table.TryGetValue("message"u8, NameTable.Hash("message"u8), out var message));
        Assert.Same(Namespaces.Client, table.GetOrAdd("jabber:client"u8, NameTable.Hash("jabber:client"u8), ascii: true));
        Assert.Equal("message", message);
    }

    [Fact]
    public void NameTable_WellKnownNames_AreSharedAndCostAParserNoTable()
    {
        var first = new NameTable();
        var second = new NameTable();

        var fromFirst = first.GetOrAdd("presence"u8, NameTable.Hash("presence"u8), ascii: true);
        var fromSecond = second.GetOrAdd("presence"u8, NameTable.Hash("presence"u8), ascii: true);

        Assert.Same(fromFirst, fromSecond);
        Assert.Equal(0, first.Count);
        Assert.Equal(0, second.Count);
    }

    [Fact]
    public void NameTable_NamesOneParserLearns_StayItsOwn()
    {
        var first = new NameTable();
        var second = new NameTable();
        var bytes = "urn:example:private"u8.ToArray();

        first.GetOrAdd(bytes, NameTable.Hash(bytes), ascii: true);

        Assert.Equal(1, first.Count);
        Assert.False(second.TryGetValue(bytes, NameTable.Hash(bytes), out _));
    }

    [Fact]
    public void NameTable_ManyDistinctNames_StaysBoundedAndStillAnswers()
    {
        var table = new NameTable();

        for (var i = 0; i < NameTable.MaxEntries * 3; i++)
        {
            var bytes = Encoding.UTF8.GetBytes($"name{i}");
            Assert.Equal($"name{i}", table.GetOrAdd(bytes, NameTable.Hash(bytes), ascii: true));
        }

        Assert.Equal(NameTable.MaxEntries, table.Count);
    }

    [Fact]
    public void NameTable_CollidingHashes_ChainStaysBoundedAndStillAnswers()
    {
        var table = new NameTable();
        const uint Collision = 12345;

        for (var i = 0; i < 100; i++)
        {
            var bytes = Encoding.UTF8.GetBytes($"collide{i}");
            Assert.Equal($"collide{i}", table.GetOrAdd(bytes, Collision, ascii: true));
        }

        var cached = Enumerable.Range(0, 100).Count(i => table.TryGetValue(Encoding.UTF8.GetBytes($"collide{i}"), Collision, out _));
        Assert.InRange(cached, 1, NameTable.MaxChainLength);
    }

    [Fact]
    public void NameTable_LongValues_AreNotCached()
    {
        var table = new NameTable();
        var bytes = Encoding.UTF8.GetBytes("urn:" + new string('x', NameTable.MaxEntryBytes));
        var count = table.Count;

        var value = table.GetOrAdd(bytes, NameTable.Hash(bytes), ascii: true);

        Assert.Equal(bytes.Length, value.Length);
        Assert.Equal(count, table.Count);
    }

    [Fact]
    public void NameTable_NonAsciiName_IsDecodedAsUtf8()
    {
        var table = new NameTable();
        var bytes = Encoding.UTF8.GetBytes("grüße");

        Assert.Equal("grüße", table.GetOrAdd(bytes, NameTable.Hash(bytes), ascii: false));
    }
}
