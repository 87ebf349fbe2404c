using XmppServer.LoadTest.Scenarios;

namespace XmppServer.LoadTest.Tests;

public class ChatTests
{
    [Fact]
    public void Body_RoundTrips()
    {
        var body = ChatObserver.Body(987_654_321_012, 17, 42);

        Assert.True(ChatObserver.TryParseBody(body, out var timestamp, out var sender, out var sequence));
        Assert.Equal((987_654_321_012L, 17L, 42L), (timestamp, sender, sequence));
    }

    [Theory]
    [InlineData("hello")]
    [InlineData("1 2")]
    [InlineData("1 x 3")]
    [InlineData("-1 2 3")]
    public void TryParseBody_ForeignBody_IsFalse(string body)
    {
        Assert.False(ChatObserver.TryParseBody(body, out _, out _, out _));
    }

    [Fact]
    public void SequenceSet_RepeatedSequence_IsADuplicate()
    {
        var set = new SequenceSet();

        Assert.True(set.Add(1));
        Assert.True(set.Add(1000));
        Assert.True(set.Add(64));
        Assert.False(set.Add(1));
        Assert.False(set.Add(1000));
        Assert.True(set.Add(63));
    }
}
