using System.Collections.Concurrent;
using System.Globalization;
using XmppServer.Core;
using XmppServer.Modules.Csi;
using XmppServer.Modules.Tests.Testing;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Csi;

public sealed class CsiBufferTests
{
    private readonly RecordingQueue _queue = new();

    [Fact]
    public void Send_PresenceAndChatState_HeldNotQueued()
    {
        var buffer = new CsiBuffer(100);

        Assert.True(buffer.Send(Presence("bob@example.com/desk", "p1"), _queue));
        Assert.True(buffer.Send(ChatState("bob@example.com/desk", "c1"), _queue));

        Assert.Empty(_queue.Ids);
        Assert.Equal(2, buffer.Count);
    }

    [Fact]
    public void Send_SeveralPresencesFromOneSender_OnlyTheLatestIsKept_AndUnavailableReplacesAvailable()
    {
        var buffer = new CsiBuffer(100);

        buffer.Send(Presence("bob@example.com/desk", "p1"), _queue);
        buffer.Send(Presence("bob@example.com/desk", "p2", show: "away"), _queue);
        buffer.Send(Presence("carol@example.com/tab", "q1"), _queue);
        buffer.Send(Presence("bob@example.com/desk", "p3", type: "unavailable"), _queue);
        buffer.Release(_queue);

        Assert.Equal(["q1", "p3"], _queue.Ids);
    }

    [Fact]
    public void Send_PresencesFromTwoResourcesOfOneContact_BothKept()
    {
        var buffer = new CsiBuffer(100);

        buffer.Send(Presence("bob@example.com/desk", "desk"), _queue);
        buffer.Send(Presence("bob@example.com/phone", "phone"), _queue);
        buffer.Release(_queue);

        Assert.Equal(["desk", "phone"], _queue.Ids);
    }

    [Fact]
    public void Send_MessageWithBody_DeliveredAfterEverythingHeld_InOrder()
    {
        var buffer = new CsiBuffer(100);
        buffer.Send(Presence("bob@example.com/desk", "p1"), _queue);
        buffer.Send(ChatState("bob@example.com/desk", "c1"), _queue);
        buffer.Send(ChatState("carol@example.com/tab", "c2"), _queue);

        Assert.True(buffer.Send(Body("bob@example.com/desk", "m1"), _queue));

        Assert.Equal(["p1", "c1", "c2", "m1"], _queue.Ids);
        Assert.Equal(0, buffer.Count);
    }

    [Fact]
    public void Send_LaterPresence_KeepsItsPlaceAfterWhatTheSameSenderSentBetween()
    {
        var buffer = new CsiBuffer(100);
        buffer.Send(Presence("bob@example.com/desk", "p1"), _queue);
        buffer.Send(ChatState("bob@example.com/desk", "c1"), _queue);
        buffer.Send(Presence("bob@example.com/desk", "p2"), _queue);

        buffer.Send(Body("bob@example.com/desk", "m1"), _queue);

        Assert.Equal(["c1", "p2", "m1"], _queue.Ids);
    }

    [Fact]
    public void Send_AfterFlush_HoldsAgain()
    {
        var buffer = new CsiBuffer(100);
        buffer.Send(Presence("bob@example.com/desk", "p1"), _queue);
        buffer.Send(Body("bob@example.com/desk", "m1"), _queue);

        buffer.Send(Presence("bob@example.com/desk", "p2"), _queue);

        Assert.Equal(["p1", "m1"], _queue.Ids);
        Assert.Equal(1, buffer.Count);
    }

    [Fact]
    public void Send_StreamManagementAnswer_GoesAtOnce_AndLeavesHeldStanzasHeld()
    {
        var buffer = new CsiBuffer(100);
        buffer.Send(Presence("bob@example.com/desk", "p1"), _queue);

        var answer = new XmppElement("a", Namespaces.StreamManagement).SetAttribute("h", "3");
        Assert.True(buffer.Send(answer, _queue));

        Assert.Same(answer, Assert.Single(_queue.Stanzas));
        Assert.Equal(1, buffer.Count);
    }

    [Fact]
    public void Send_BufferReachesCapacity_FlushesEverything()
    {
        var buffer = new CsiBuffer(3);
        buffer.Send(ChatState("bob@example.com/desk", "c1"), _queue);
        buffer.Send(Presence("carol@example.com/tab", "q1"), _queue);
        Assert.Empty(_queue.Ids);

        buffer.Send(ChatState("bob@example.com/desk", "c2"), _queue);

        Assert.Equal(["c1", "q1", "c2"], _queue.Ids);
        Assert.Equal(0, buffer.Count);
    }

    [Fact]
    public void Send_OneContactFlapping_NeverFillsTheBuffer_AndOnlyTheLatestRemains()
    {
        var buffer = new CsiBuffer(3);
        buffer.Send(ChatState("carol@example.com/tab", "c1"), _queue);

        for (var i = 0; i < 1000; i++)
        {
            buffer.Send(Presence("bob@example.com/desk", "p" + i.ToString(CultureInfo.InvariantCulture)), _queue);
        }

        Assert.Empty(_queue.Ids);
        Assert.Equal(2, buffer.Count);
        buffer.Release(_queue);
        Assert.Equal(["c1", "p999"], _queue.Ids);
    }

    [Fact]
    public void Release_PassesEverythingOnInOrder_ThenEverythingPassesStraightThrough()
    {
        var buffer = new CsiBuffer(100);
        buffer.Send(ChatState("bob@example.com/desk", "c1"), _queue);
        buffer.Send(Presence("bob@example.com/desk", "p1"), _queue);

        buffer.Release(_queue);
        buffer.Send(ChatState("bob@example.com/desk", "c2"), _queue);

        Assert.Equal(["c1", "p1", "c2"], _queue.Ids);
        Assert.Equal(0, buffer.Count);
    }

    [Fact]
    public void Send_ImportantStanzaTheQueueRefuses_ReturnsFalse()
    {
        var buffer = new CsiBuffer(100);
        _queue.Refuse = true;

        Assert.False(buffer.Send(Body("bob@example.com/desk", "m1"), _queue));
        Assert.True(buffer.Send(ChatState("bob@example.com/desk", "c1"), _queue));
    }

    [Fact]
    public void Release_FromInsideAFlush_LosesAndDuplicatesNothing()
    {
        // The core closes a session whose queue overflows, and closing releases the filter: that can happen while
        // the filter is passing stanzas on.
        var buffer = new CsiBuffer(100);
        var queue = new RecordingQueue();
        queue.OnEnqueue = () =>
        {
            queue.OnEnqueue = null;
            buffer.Release(queue);
        };
        buffer.Send(ChatState("bob@example.com/desk", "c1"), queue);
        buffer.Send(ChatState("bob@example.com/desk", "c2"), queue);

        buffer.Send(Body("bob@example.com/desk", "m1"), queue);
        buffer.Send(ChatState("bob@example.com/desk", "c3"), queue);

        Assert.Equal(["c1", "c2", "m1", "c3"], queue.Ids);
    }

    [Fact]
    public async Task Send_ManySendersConcurrently_EveryMessageOnceAndEachSendersOrderKept()
    {
        const int Senders = 8;
        const int PerSender = 2000;
        var buffer = new CsiBuffer(50);
        var queue = new RecordingQueue();
        using var start = new ManualResetEventSlim();

        var tasks = Enumerable.Range(0, Senders).Select(sender => Task.Run(() =>
        {
            start.Wait();
            var from = $"user{sender}@example.com/r";
            for (var i = 0; i < PerSender; i++)
            {
                var id = $"{sender}:{i}";
                var stanza = (i % 7) switch
                {
                    0 => Body(from, id),
                    1 or 2 => Presence(from, id),
                    _ => ChatState(from, id),
                };
                Assert.True(buffer.Send(stanza, queue));
            }
        })).ToArray();
        start.Set();
        await Task.WhenAll(tasks);
        buffer.Release(queue);

        var bySender = queue.Ids.GroupBy(id => id.Split(':')[0]).ToDictionary(g => g.Key, g => g.Select(id => int.Parse(id.Split(':')[1], CultureInfo.InvariantCulture)).ToList());
        Assert.Equal(Senders, bySender.Count);
        foreach (var (_, sequence) in bySender)
        {
            // Strictly increasing: no stanza twice, none out of order.
            Assert.True(sequence.Zip(sequence.Skip(1)).All(pair => pair.First < pair.Second), "a sender's stanzas were reordered or duplicated");

            // Every message is there; presence may be collapsed, but the very last one always survives.
            var expectedMessages = Enumerable.Range(0, PerSender).Where(i => (i % 7) is not (1 or 2));
            Assert.Empty(expectedMessages.Except(sequence));
            Assert.Equal(Enumerable.Range(0, PerSender).Last(i => (i % 7) is 1 or 2), sequence.Where(i => (i % 7) is 1 or 2).Last());
        }
    }

    private static XmppElement Presence(string from, string id, string? show = null, string? type = null)
    {
        var presence = new XmppElement("presence", Namespaces.Client) { From = from, To = "alice@example.com/phone", Id = id, Type = type };
        if (show is not null)
        {
            presence.AddTextElement("show", Namespaces.Client, show);
        }

        return presence;
    }

    private static XmppElement ChatState(string from, string id)
        => Xml.Parse($"<message from='{from}' to='alice@example.com/phone' id='{id}' type='chat'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>");

    private static XmppElement Body(string from, string id)
        => Xml.Parse($"<message from='{from}' to='alice@example.com/phone' id='{id}' type='chat'><body>hello</body></message>");

    /// <summary>Stands for the session's queue; records what the filter passes on.</summary>
    private sealed class RecordingQueue : IOutboundQueue
    {
        private readonly ConcurrentQueue<XmppElement> _stanzas = new();

        public bool Refuse { get; set; }

        public Action? OnEnqueue { get; set; }

        public IReadOnlyList<XmppElement> Stanzas => [.. _stanzas];

        public IReadOnlyList<string> Ids => [.. _stanzas.Select(s => s.Id ?? s.Name)];

        public bool Enqueue(XmppElement stanza)
        {
            if (Refuse)
            {
                return false;
            }

            _stanzas.Enqueue(stanza);
            OnEnqueue?.Invoke();
            return true;
        }
    }
}
