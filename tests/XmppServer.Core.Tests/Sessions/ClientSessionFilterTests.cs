using XmppServer.Protocol;

namespace XmppServer.Core.Tests.Sessions;

public sealed class ClientSessionFilterTests
{
    private static readonly Jid Alice = Jid.Parse("alice@example.com/phone");

    [Fact]
    public void Send_WithoutFilter_QueuesWithoutAllocating()
    {
        var session = NewSession(maxQueue: 4096);
        var stanza = Message("m");

        // Warm up: the queue's storage grows once to its working size.
        for (var i = 0; i < 1000; i++)
        {
            Assert.True(session.Send(stanza));
        }

        Drain(session);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            session.Send(stanza);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(1000, Drain(session).Count);
    }

    [Fact]
    public void Send_WithFilter_FilterDecides_AndRemovingItPassesOnWhatItHeld_InOrder()
    {
        var session = NewSession();
        var filter = new HoldAllFilter();
        session.SetOutboundFilter(filter);

        Assert.True(session.Send(Message("m1")));
        Assert.True(session.Send(Message("m2")));
        Assert.Same(filter, session.OutboundFilter);
        Assert.Empty(Drain(session));

        session.SetOutboundFilter(null);
        session.Send(Message("m3"));

        Assert.Null(session.OutboundFilter);
        Assert.Equal(["m1", "m2", "m3"], Drain(session).Select(s => s.Id));
    }

    [Fact]
    public void SetOutboundFilter_ReplacingOne_ReleasesTheOldOne()
    {
        var session = NewSession();
        var first = new HoldAllFilter();
        session.SetOutboundFilter(first);
        session.Send(Message("m1"));

        session.SetOutboundFilter(new HoldAllFilter());

        Assert.True(first.Released);
        Assert.Equal(["m1"], Drain(session).Select(s => s.Id));
    }

    [Fact]
    public void MarkClosing_WhileAFilterHolds_HeldStanzasJoinTheQueueBeforeItCompletes()
    {
        var session = NewSession();
        session.SetOutboundFilter(new HoldAllFilter());
        session.Send(Message("m1"));
        session.Send(Message("m2"));

        session.MarkClosing();

        // The terminator drains the completed queue and routes what it finds again.
        Assert.Equal(["m1", "m2"], Drain(session).Select(s => s.Id));
        Assert.True(session.Outbound.Completion.IsCompleted);
        Assert.Null(session.OutboundFilter);
        Assert.False(session.Send(Message("m3")));
    }

    [Fact]
    public void SetOutboundFilter_OnAClosingSession_TakenOutAgainAtOnce()
    {
        var session = NewSession();
        session.MarkClosing();
        var filter = new HoldAllFilter();

        session.SetOutboundFilter(filter);

        Assert.True(filter.Released);
        Assert.Null(session.OutboundFilter);
    }

    [Fact]
    public async Task FilterOverflowsTheQueue_SessionClosedWithPolicyViolation_NotWhileTheFilterHoldsItsLock()
    {
        var closed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var filter = new HoldAllFilter();
        ClientSession? session = null;
        session = new ClientSession("c1", Alice, isSecure: true, maxQueue: 2, (error, _) =>
        {
            Assert.Equal(StreamErrorCondition.PolicyViolation, error);

            // Closed inline, the close would run inside the filter's flush: releasing the filter there, and routing
            // elsewhere while holding its lock.
            var insideFilter = filter.IsLockHeldByCurrentThread;

            // As the connection does: closing marks the session closing, which releases its filter.
            session!.MarkClosing();
            closed.TrySetResult(insideFilter);
            return ValueTask.CompletedTask;
        }, owner: new object());
        session.SetOutboundFilter(filter);
        for (var i = 0; i < 5; i++)
        {
            session.Send(Message("m" + i));
        }

        // The filter passes five stanzas to a queue of two while it stays installed.
        session.Send(Message(HoldAllFilter.FlushId));

        Assert.False(await closed.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, filter.ReleaseCount);
        Assert.Null(session.OutboundFilter);
        Assert.Equal(["m0", "m1"], Drain(session).Select(s => s.Id));
    }

    private static ClientSession NewSession(int maxQueue = 100)
        => new("c1", Alice, isSecure: true, maxQueue, static (_, _) => ValueTask.CompletedTask, owner: new object());

    private static XmppElement Message(string id) => new("message", Namespaces.Client) { Id = id };

    private static List<XmppElement> Drain(ClientSession session)
    {
        var list = new List<XmppElement>();
        while (session.Outbound.TryRead(out var queued))
        {
            session.Dequeued(queued.Size);
            list.Add(queued.Stanza);
        }

        return list;
    }

    /// <summary>
    /// The simplest filter: holds everything until released, then passes everything straight on; a stanza with the id
    /// <see cref="FlushId"/> passes on what is held, then itself.
    /// </summary>
    private sealed class HoldAllFilter : IOutboundFilter
    {
        public const string FlushId = "flush";

        private readonly Lock _lock = new();
        private readonly List<XmppElement> _held = [];

        public bool Released { get; private set; }

        public int ReleaseCount { get; private set; }

        public bool IsLockHeldByCurrentThread => _lock.IsHeldByCurrentThread;

        public bool Send(XmppElement stanza, IOutboundQueue queue)
        {
            lock (_lock)
            {
                if (Released)
                {
                    return queue.Enqueue(stanza);
                }

                if (stanza.Id == FlushId)
                {
                    PassOn(queue);
                    return queue.Enqueue(stanza);
                }

                _held.Add(stanza);
                return true;
            }
        }

        public void Release(IOutboundQueue queue)
        {
            lock (_lock)
            {
                Released = true;
                ReleaseCount++;
                PassOn(queue);
            }
        }

        private void PassOn(IOutboundQueue queue)
        {
            var held = _held.ToArray();
            _held.Clear();
            foreach (var stanza in held)
            {
                queue.Enqueue(stanza);
            }
        }
    }
}
