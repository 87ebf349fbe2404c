using XmppServer.Protocol;

namespace XmppServer.Core.Tests.Sessions;

public sealed class ClientSessionBudgetTests
{
    private readonly List<(StreamErrorCondition? Condition, string? Text)> _closes = [];

    [Fact]
    public void Send_BeyondTheByteBudget_ClosesWithPolicyViolation_AndRefuses()
    {
        var session = Session(maxBytes: 10_000);
        Assert.True(session.Send(Message(4_000)));
        Assert.True(session.Send(Message(4_000)));

        Assert.False(session.Send(Message(4_000)));

        Assert.Equal((StreamErrorCondition.PolicyViolation, "Too many unread bytes"), Assert.Single(_closes));
        Assert.True(session.PendingBytes is > 8_000 and <= 10_000, $"pending {session.PendingBytes}");
    }

    [Fact]
    public void Send_BeyondTheStanzaCount_ClosesWithPolicyViolation()
    {
        var session = Session(maxQueue: 2);
        Assert.True(session.Send(Message(10)));
        Assert.True(session.Send(Message(10)));

        Assert.False(session.Send(Message(10)));

        Assert.Equal((StreamErrorCondition.PolicyViolation, "Too many unread stanzas"), Assert.Single(_closes));
    }

    [Fact]
    public void Dequeued_ReleasesTheBytesItWasCharged()
    {
        var session = Session(maxBytes: 10_000);
        session.Send(Message(4_000));
        session.Send(Message(4_000));

        Assert.True(session.Outbound.TryRead(out var first));
        session.Dequeued(first.Size);

        Assert.True(session.Send(Message(4_000)));
        Assert.Empty(_closes);
    }

    [Fact]
    public void UnacknowledgedStanzas_CountAgainstTheBudget_UntilAcknowledged()
    {
        var session = Session(maxBytes: 10_000);
        session.StreamManagement = new StreamManagementState("sm", resumable: false);
        session.Send(Message(4_000));
        session.Send(Message(4_000));

        // The write loop writes both: out of the queue, kept as unacknowledged (XEP-0198 §4).
        while (session.Outbound.TryRead(out var written))
        {
            session.Dequeued(written.Size);
            session.StreamManagement.Sent(written);
        }

        Assert.False(session.TrySendWithinBudget(Message(4_000)));
        Assert.True(session.StreamManagement.Acknowledge(1));
        Assert.True(session.TrySendWithinBudget(Message(4_000)));
        Assert.Empty(_closes);
    }

    [Fact]
    public void TrySendWithinBudget_Full_RefusesWithoutClosing_AndNoticesOnceWhenHalfDrained()
    {
        var session = Session(maxBytes: 10_000);
        Assert.True(session.TrySendWithinBudget(Message(3_000)));
        Assert.True(session.TrySendWithinBudget(Message(3_000)));
        Assert.True(session.TrySendWithinBudget(Message(3_000)));
        Assert.False(session.TryTakeDrainedNotice()); // nothing refused yet

        Assert.False(session.TrySendWithinBudget(Message(3_000)));
        Assert.Empty(_closes);
        Assert.False(session.TryTakeDrainedNotice()); // still full

        session.Outbound.TryRead(out var first);
        session.Dequeued(first.Size);
        Assert.False(session.TryTakeDrainedNotice()); // two thirds pending: more than half
        session.Outbound.TryRead(out var second);
        session.Dequeued(second.Size);

        Assert.True(session.TryTakeDrainedNotice());
        Assert.False(session.TryTakeDrainedNotice());
    }

    [Fact]
    public async Task WakeWriter_EndsAWaitOnAnEmptyQueue_AndLeavesNothingToTake()
    {
        var session = Session();
        var wait = session.WaitForQueuedAsync().AsTask();
        Assert.False(wait.IsCompleted);

        session.WakeWriter();

        Assert.True(await wait);
        Assert.False(session.TryTakeQueued(out _));
    }

    [Fact]
    public void TryTakeQueued_PassesOverWakeUps_InQueueOrder()
    {
        var session = Session(maxBytes: 10_000);
        session.WakeWriter();
        session.Send(Message(10));
        session.WakeWriter();
        session.Send(Message(20));

        Assert.True(session.TryTakeQueued(out var first));
        Assert.True(session.TryTakeQueued(out var second));
        Assert.False(session.TryTakeQueued(out _));
        Assert.Equal(10, first.Stanza.ElementText("body", Namespaces.Client)!.Length);
        Assert.Equal(20, second.Stanza.ElementText("body", Namespaces.Client)!.Length);
    }

    [Fact]
    public void WakeWriter_FullQueue_TakesNoPlaceOfAStanza()
    {
        var session = Session(maxQueue: 1);
        Assert.True(session.Send(Message(10)));

        session.WakeWriter();

        Assert.True(session.TryTakeQueued(out _));
        Assert.False(session.TryTakeQueued(out _));
        Assert.Empty(_closes);
    }

    [Fact]
    public void EstimateSize_IsAboutTheSerializedSize()
    {
        var message = Message(1_000);
        message.AddElement("x", "urn:example").SetAttribute("a", "value");

        var estimate = OutboundStanza.EstimateSize(message);
        var written = System.Text.Encoding.UTF8.GetByteCount(message.ToString());

        Assert.InRange(estimate, written * 0.8, written * 1.2);
    }

    private ClientSession Session(int maxQueue = 100, long maxBytes = long.MaxValue)
        => new("c1", Jid.Parse("alice@localhost/a"), isSecure: true, maxQueue, Close, owner: this) { MaxPendingBytes = maxBytes };

    private ValueTask Close(StreamErrorCondition? condition, string? text)
    {
        _closes.Add((condition, text));
        return ValueTask.CompletedTask;
    }

    private static XmppElement Message(int bodyLength)
    {
        var message = new XmppElement("message", Namespaces.Client) { To = "alice@localhost/a", From = "bob@localhost/b", Type = "chat" };
        message.AddTextElement("body", Namespaces.Client, new string('x', bodyLength));
        return message;
    }
}
