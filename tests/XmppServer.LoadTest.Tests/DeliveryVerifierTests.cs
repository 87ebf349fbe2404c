using XmppServer.LoadTest.Faults;

namespace XmppServer.LoadTest.Tests;

/// <summary>The fault run's bookkeeping: each kind of delivery problem is seen, and legitimate copies are not blamed.</summary>
public class DeliveryVerifierTests
{
    [Fact]
    public void EveryMessageOnceAndInOrder_HasNoProblems_AndIsComplete()
    {
        var verifier = new DeliveryVerifier(3);
        var sent = SendAndAcknowledge(verifier, sender: 1, recipient: 2, count: 5);

        foreach (var message in sent)
        {
            Assert.Equal(ReceiptKind.First, verifier.Received(2, 1, message.OriginId, "sid-" + message.Seq, DeliveryChannel.Live));
        }

        var report = verifier.Snapshot();
        Assert.Empty(report.Problems());
        Assert.True(verifier.IsComplete);
        Assert.Equal((5L, 5L, 5L), (report.Messages, report.Acknowledged, report.FirstLive));
    }

    [Fact]
    public void AcknowledgedMessageThatNeverArrives_IsLost()
    {
        var verifier = new DeliveryVerifier(2);
        var sent = SendAndAcknowledge(verifier, 1, 2, 3);
        verifier.Received(2, 1, sent[0].OriginId, "a", DeliveryChannel.Live);
        verifier.Received(2, 1, sent[2].OriginId, "c", DeliveryChannel.Live);

        var report = verifier.Snapshot();

        Assert.Equal(1, report.Lost);
        Assert.False(verifier.IsComplete);
        Assert.Contains("1 lost", report.Problems());
        Assert.Contains(report.Samples, s => s.Contains("lost f1-2", StringComparison.Ordinal));
    }

    [Fact]
    public void MessageNeverAcknowledged_IsNotLost_ButIsAProblem()
    {
        var verifier = new DeliveryVerifier(2);
        var message = verifier.Register(1, 2);
        verifier.Transmitting(message);

        var report = verifier.Snapshot();

        Assert.Equal((0L, 1L), (report.Lost, report.Unacknowledged));
        Assert.Contains("1 never acknowledged", report.Problems());
    }

    [Fact]
    public void SameStanzaIdAgain_IsARedelivery_NotADuplicate()
    {
        var verifier = new DeliveryVerifier(2);
        var message = SendAndAcknowledge(verifier, 1, 2, 1)[0];

        verifier.Received(2, 1, message.OriginId, "x", DeliveryChannel.Live);
        var again = verifier.Received(2, 1, message.OriginId, "x", DeliveryChannel.Offline);
        var third = verifier.Received(2, 1, message.OriginId, "x", DeliveryChannel.Archive);

        var report = verifier.Snapshot();
        Assert.Equal((ReceiptKind.Redelivery, ReceiptKind.Redelivery), (again, third));
        Assert.Equal((0L, 2L, 1L, 1L), (report.Duplicated, report.Redeliveries, report.RedeliveredOffline, report.RedeliveredArchive));
        Assert.Empty(report.Problems());
    }

    [Fact]
    public void SecondStanzaIdForAMessageSentOnce_IsADuplicate()
    {
        var verifier = new DeliveryVerifier(2);
        var message = SendAndAcknowledge(verifier, 1, 2, 1)[0];

        verifier.Received(2, 1, message.OriginId, "x", DeliveryChannel.Live);
        var copy = verifier.Received(2, 1, message.OriginId, "y", DeliveryChannel.Archive);

        Assert.Equal(ReceiptKind.Duplicate, copy);
        Assert.Contains("1 duplicated", verifier.Snapshot().Problems());
    }

    [Fact]
    public void SecondStanzaIdForAMessageSentTwice_IsARetransmissionCopy_NotADuplicate()
    {
        var verifier = new DeliveryVerifier(2);
        var message = verifier.Register(1, 2);
        verifier.Transmitting(message);
        verifier.Transmitting(message);
        verifier.Acknowledged(message);

        verifier.Received(2, 1, message.OriginId, "x", DeliveryChannel.Live);
        var copy = verifier.Received(2, 1, message.OriginId, "y", DeliveryChannel.Live);
        var third = verifier.Received(2, 1, message.OriginId, "z", DeliveryChannel.Live);

        var report = verifier.Snapshot();
        Assert.Equal((ReceiptKind.RetransmissionCopy, ReceiptKind.Duplicate), (copy, third));
        Assert.Equal((1L, 1L, 1L), (report.RetransmittedMessages, report.RetransmissionCopies, report.Duplicated));
    }

    [Fact]
    public void LaterMessageOfTheSameSenderFirst_IsOutOfOrder()
    {
        var verifier = new DeliveryVerifier(3);
        var fromOne = SendAndAcknowledge(verifier, 1, 2, 3);
        var fromThree = SendAndAcknowledge(verifier, 3, 2, 1);

        verifier.Received(2, 1, fromOne[0].OriginId, "a", DeliveryChannel.Live);
        verifier.Received(2, 1, fromOne[2].OriginId, "c", DeliveryChannel.Live);
        verifier.Received(2, 3, fromThree[0].OriginId, "d", DeliveryChannel.Live);
        var late = verifier.Received(2, 1, fromOne[1].OriginId, "b", DeliveryChannel.Offline);

        var report = verifier.Snapshot();
        Assert.Equal(ReceiptKind.OutOfOrder, late);
        Assert.Equal((1L, 0L, 4L), (report.OutOfOrder, report.Lost, report.Delivered));
        Assert.Contains("1 out of order", report.Problems());
    }

    [Fact]
    public void OtherSendersInterleaved_AreNotOutOfOrder()
    {
        var verifier = new DeliveryVerifier(3);
        var fromOne = SendAndAcknowledge(verifier, 1, 3, 2);
        var fromTwo = SendAndAcknowledge(verifier, 2, 3, 2);

        verifier.Received(3, 2, fromTwo[0].OriginId, "a", DeliveryChannel.Archive);
        verifier.Received(3, 1, fromOne[0].OriginId, "b", DeliveryChannel.Live);
        verifier.Received(3, 2, fromTwo[1].OriginId, "c", DeliveryChannel.Resumed);
        verifier.Received(3, 1, fromOne[1].OriginId, "d", DeliveryChannel.Offline);

        var report = verifier.Snapshot();
        Assert.Empty(report.Problems());
        Assert.Equal((1L, 1L, 1L, 1L), (report.FirstLive, report.FirstResumed, report.FirstOffline, report.FirstArchive));
    }

    [Fact]
    public void CopyForAnotherRecipient_OrWithAForgedSender_IsForeign()
    {
        var verifier = new DeliveryVerifier(3);
        var message = SendAndAcknowledge(verifier, 1, 2, 1)[0];

        Assert.Equal(ReceiptKind.Foreign, verifier.Received(3, 1, message.OriginId, "x", DeliveryChannel.Live));
        Assert.Equal(ReceiptKind.Foreign, verifier.Received(2, 3, message.OriginId, "x", DeliveryChannel.Live));
        Assert.Equal(ReceiptKind.Foreign, verifier.Received(2, 1, "f1-99", "x", DeliveryChannel.Live));
        Assert.Equal(ReceiptKind.Foreign, verifier.Received(2, 1, "hello", "x", DeliveryChannel.Live));

        var report = verifier.Snapshot();
        Assert.Equal((1L, 3L), (report.Misrouted, report.Foreign));
    }

    [Fact]
    public void CopyWithoutStanzaId_IsCounted_AndASecondOneIsADuplicate()
    {
        var verifier = new DeliveryVerifier(2);
        var message = SendAndAcknowledge(verifier, 1, 2, 1)[0];

        verifier.Received(2, 1, message.OriginId, null, DeliveryChannel.Live);
        var second = verifier.Received(2, 1, message.OriginId, null, DeliveryChannel.Live);

        var report = verifier.Snapshot();
        Assert.Equal(ReceiptKind.Duplicate, second);
        Assert.Equal((2L, 1L), (report.Unstamped, report.Duplicated));
    }

    [Theory]
    [InlineData("f1-1", 1, 1L)]
    [InlineData("f12-34567", 12, 34567L)]
    public void OriginId_RoundTrips(string id, int sender, long seq)
    {
        Assert.True(OutgoingMessage.TryParseOriginId(id, out var parsedSender, out var parsedSeq));
        Assert.Equal((sender, seq), (parsedSender, parsedSeq));
        Assert.Equal(id, OutgoingMessage.FormatOriginId(sender, seq));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("f1")]
    [InlineData("f1-0")]
    [InlineData("g1-2")]
    [InlineData("f-2")]
    [InlineData("fx-2")]
    public void OriginId_NotOurs_DoesNotParse(string? id)
    {
        Assert.False(OutgoingMessage.TryParseOriginId(id, out _, out _));
    }

    private static List<OutgoingMessage> SendAndAcknowledge(DeliveryVerifier verifier, int sender, int recipient, int count)
    {
        var sent = new List<OutgoingMessage>();
        for (var i = 0; i < count; i++)
        {
            var message = verifier.Register(sender, recipient);
            verifier.Transmitting(message);
            verifier.Acknowledged(message);
            sent.Add(message);
        }

        return sent;
    }
}
