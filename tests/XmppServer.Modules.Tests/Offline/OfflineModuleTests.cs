using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using XmppServer.Core.Events;
using XmppServer.Core.Modules;
using XmppServer.Core.Routing;
using XmppServer.Modules.Offline;
using XmppServer.Modules.Tests.Testing;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Offline;

public sealed class OfflineModuleTests
{
    private static readonly Jid Juliet = Jid.Parse("juliet@capulet.lit");
    private static readonly DateTimeOffset Start = new(2024, 3, 9, 21, 15, 30, 125, TimeSpan.Zero);

    private readonly InMemoryOfflineStore _store = new();
    private readonly ManualTimeProvider _time = new(Start);

    [Fact]
    public void Configure_Always_AdvertisesMsgOfflineOnServer()
    {
        var host = CreateHost();

        Assert.Contains("msgoffline", host.Registry.Features(DiscoScope.Server));
        Assert.DoesNotContain("msgoffline", host.Registry.Features(DiscoScope.Account));
    }

    [Theory]
    [InlineData("chat")]
    [InlineData("normal")]
    [InlineData(null)]
    public async Task Undeliverable_MessageWithBody_StoredAndHandled(string? type)
    {
        var host = CreateHost();

        var handled = await UndeliverableAsync(host, Message(type, Body("hi")));

        Assert.True(handled);
        Assert.Equal(1, await _store.CountAsync(Juliet, default));
        Assert.Empty(host.Router.Bounced);
    }

    [Fact]
    public async Task Undeliverable_SubjectOnly_Stored()
    {
        var host = CreateHost();

        Assert.True(await UndeliverableAsync(host, Message("normal", new XmppElement("subject", Namespaces.Client).AddText("s"))));
        Assert.Equal(1, await _store.CountAsync(Juliet, default));
    }

    [Fact]
    public async Task Undeliverable_ChatStateOnly_DroppedSilently()
    {
        var host = CreateHost();

        var handled = await UndeliverableAsync(host, Message("chat", new XmppElement("composing", "http://jabber.org/protocol/chatstates")));

        Assert.True(handled);
        Assert.Equal(0, await _store.CountAsync(Juliet, default));
        Assert.Empty(host.Router.Bounced);
    }

    [Fact]
    public async Task Undeliverable_NoStoreHint_LeftToRouterDefault()
    {
        var host = CreateHost();

        var handled = await UndeliverableAsync(host, Message("chat", Body("secret"), new XmppElement("no-store", "urn:xmpp:hints")));

        Assert.False(handled);
        Assert.Equal(0, await _store.CountAsync(Juliet, default));
    }

    [Fact]
    public async Task Undeliverable_NoPermanentStoreHint_StoredForDelivery()
    {
        var host = CreateHost();

        var handled = await UndeliverableAsync(host, Message("chat", Body("otr"), new XmppElement("no-permanent-store", "urn:xmpp:hints")));

        Assert.True(handled);
        Assert.Equal(1, await _store.CountAsync(Juliet, default));
    }

    [Theory]
    [InlineData("store", "urn:xmpp:hints")]
    [InlineData("encrypted", "eu.siacs.conversations.axolotl")]
    [InlineData("encrypted", "urn:xmpp:omemo:2")]
    [InlineData("openpgp", "urn:xmpp:openpgp:0")]
    [InlineData("received", "urn:xmpp:receipts")]
    [InlineData("x", "jabber:x:conference")]
    public async Task Undeliverable_StorableWithoutBody_Stored(string name, string ns)
    {
        var host = CreateHost();

        Assert.True(await UndeliverableAsync(host, Message("chat", new XmppElement(name, ns))));
        Assert.Equal(1, await _store.CountAsync(Juliet, default));
    }

    [Fact]
    public async Task Undeliverable_MediatedMucInvitation_Stored()
    {
        var host = CreateHost();
        var x = new XmppElement("x", "http://jabber.org/protocol/muc#user");
        x.AddElement("invite").SetAttribute("from", "romeo@montague.lit");

        Assert.True(await UndeliverableAsync(host, Message(null, x)));
        Assert.Equal(1, await _store.CountAsync(Juliet, default));
    }

    [Fact]
    public async Task Undeliverable_MucUserWithoutInvitation_Dropped()
    {
        var host = CreateHost();

        Assert.True(await UndeliverableAsync(host, Message(null, new XmppElement("x", "http://jabber.org/protocol/muc#user"))));
        Assert.Equal(0, await _store.CountAsync(Juliet, default));
    }

    [Theory]
    [InlineData("headline")]
    [InlineData("groupchat")]
    [InlineData("error")]
    public async Task Undeliverable_TypeNotStoredOffline_LeftToRouterDefault(string type)
    {
        var host = CreateHost();

        var handled = await UndeliverableAsync(host, Message(type, Body("x"), new XmppElement("store", "urn:xmpp:hints")));

        Assert.False(handled);
        Assert.Equal(0, await _store.CountAsync(Juliet, default));
    }

    [Fact]
    public async Task Undeliverable_QueueFull_BouncesResourceConstraintAndStoresNothing()
    {
        var host = CreateHost(max: 2);
        Assert.True(await UndeliverableAsync(host, Message("chat", Body("1"))));
        Assert.True(await UndeliverableAsync(host, Message("chat", Body("2"))));

        var third = Message("chat", Body("3"));
        var handled = await UndeliverableAsync(host, third);

        Assert.True(handled);
        Assert.Equal(2, await _store.CountAsync(Juliet, default));
        var (stanza, condition) = Assert.Single(host.Router.Bounced);
        Assert.Same(third, stanza);
        Assert.Equal(StanzaErrorCondition.ResourceConstraint, condition);
        Assert.Equal(StanzaErrorType.Wait, XmppErrors.DefaultType(condition));
    }

    [Fact]
    public async Task Undeliverable_StoreFails_LeftToRouterDefault()
    {
        var host = CreateHost();
        _store.StoreFailure = new InvalidOperationException("disk full");

        var handled = await UndeliverableAsync(host, Message("chat", Body("lost?")));

        Assert.False(handled);
    }

    [Fact]
    public async Task Undeliverable_ToFullJidOfGoneResource_StoredForBareJid()
    {
        var host = CreateHost();
        var message = Message("chat", Body("hi"));
        message.To = "juliet@capulet.lit/balcony";

        // RFC 6121 §8.5.3.2.1: the router treats it as addressed to the bare JID, under the Bare key.
        var context = new StanzaContext(message, StanzaKind.Message, Jid.Parse(message.From!), Jid.Parse(message.To), Origin: null);
        var handled = await host.Registry.RunHooksAsync(
            new StanzaHookKey(StanzaKind.Message, StanzaDirection.Undeliverable, AddressKind.Bare), context, default);

        Assert.True(handled);
        Assert.Equal(1, await _store.CountAsync(Juliet, default));
    }

    [Fact]
    public async Task Undeliverable_StoresCopy_RoutedStanzaUnchanged()
    {
        var host = CreateHost();
        var message = Message("chat", Body("hi"), Delay("capulet.lit", "2001-01-01T00:00:00Z"));
        var before = message.ToString();

        await UndeliverableAsync(host, message);

        Assert.Equal(before, message.ToString());
    }

    [Fact]
    public async Task Delivery_ForgedServerDelayInStoredMessage_OnlyServersOwnDelay()
    {
        var host = CreateHost();
        await UndeliverableAsync(host, Message("chat", Body("hi"), Delay("Capulet.lit", "2001-01-01T00:00:00Z"), Delay("montague.lit", "2001-01-01T00:00:00Z")));
        var session = host.Sessions.Add("juliet@capulet.lit/balcony").MakeAvailable();

        await PresenceAsync(host, session, isInitial: true);

        var delivered = Assert.Single(session.TakeSent());
        var delays = delivered.Elements("delay", Namespaces.Delay).ToList();
        Assert.Equal(2, delays.Count);
        Assert.Single(delays, d => d.GetAttribute("from") == "capulet.lit");
        Assert.Single(delays, d => d.GetAttribute("from") == "montague.lit");
    }

    [Fact]
    public async Task InitialPresence_StoredMessages_DeliveredInOrderWithDelayAndRemoved()
    {
        var host = CreateHost();
        await UndeliverableAsync(host, Message("chat", Body("first")));
        _time.Advance(TimeSpan.FromSeconds(2));
        await UndeliverableAsync(host, Message("chat", Body("second")));
        var session = host.Sessions.Add("juliet@capulet.lit/balcony").MakeAvailable(priority: 1);

        await PresenceAsync(host, session, isInitial: true);

        var sent = session.TakeSent();
        Assert.Equal(["first", "second"], sent.Select(m => m.ElementText("body", Namespaces.Client)));
        var delay = Assert.Single(sent[0].Elements("delay", Namespaces.Delay));
        Assert.Equal("capulet.lit", delay.GetAttribute("from"));
        Assert.Equal("2024-03-09T21:15:30.125Z", delay.GetAttribute("stamp"));
        Assert.Equal("2024-03-09T21:15:32.125Z", Assert.Single(sent[1].Elements("delay", Namespaces.Delay)).GetAttribute("stamp"));
        Assert.Equal("romeo@montague.lit/orchard", sent[0].From);
        Assert.Equal(0, await _store.CountAsync(Juliet, default));
    }

    [Fact]
    public async Task NewMessage_ForAResourceAvailableButNotYetGivenTheStoredOnes_IsDeliveredAfterThem()
    {
        var host = CreateHost();
        await UndeliverableAsync(host, Message("chat", Body("first")));

        // The core has made the resource available; the presence event that flushes the store has not run yet.
        var session = host.Sessions.Add("juliet@capulet.lit/balcony").MakeAvailable();
        var held = await InboundAsync(host, Message("chat", Body("second")));
        await PresenceAsync(host, session, isInitial: true);

        Assert.True(held);
        Assert.Equal(["first", "second"], session.TakeSent().Select(m => m.ElementText("body", Namespaces.Client)));
        Assert.Equal(0, await _store.CountAsync(Juliet, default));
    }

    [Fact]
    public async Task NewMessage_WhileTheStoreIsBeingFlushed_IsDeliveredAfterTheStoredOnes()
    {
        var host = CreateHost();
        await UndeliverableAsync(host, Message("chat", Body("first")));
        var session = host.Sessions.Add("juliet@capulet.lit/balcony").MakeAvailable();
        var load = new TaskCompletionSource();
        _store.LoadGate = load.Task;

        var flush = PresenceAsync(host, session, isInitial: true).AsTask();
        var inbound = InboundAsync(host, Message("chat", Body("second"))).AsTask();
        load.SetResult();
        await flush;

        Assert.True(await inbound);
        Assert.Equal(["first", "second"], session.TakeSent().Select(m => m.ElementText("body", Namespaces.Client)));
    }

    [Fact]
    public async Task NewMessage_AfterTheFlush_IsLeftToLiveDelivery()
    {
        var host = CreateHost();
        var session = host.Sessions.Add("juliet@capulet.lit/balcony").MakeAvailable();
        await PresenceAsync(host, session, isInitial: true);

        Assert.False(await InboundAsync(host, Message("chat", Body("live"))));
        Assert.Equal(0, await _store.CountAsync(Juliet, default));
    }

    [Fact]
    public async Task NewMessage_WhenAResourceOfTheTopPriorityWasGivenTheStoredOnes_IsLeftToLiveDelivery()
    {
        var host = CreateHost();
        var phone = host.Sessions.Add("juliet@capulet.lit/phone").MakeAvailable();
        await PresenceAsync(host, phone, isInitial: true);
        host.Sessions.Add("juliet@capulet.lit/laptop").MakeAvailable();

        Assert.False(await InboundAsync(host, Message("chat", Body("live"))));
    }

    [Theory]
    [InlineData("headline")]
    [InlineData("groupchat")]
    public async Task NewMessage_NotStorable_IsLeftToLiveDelivery_EvenBeforeTheFlush(string type)
    {
        var host = CreateHost();
        host.Sessions.Add("juliet@capulet.lit/balcony").MakeAvailable();

        Assert.False(await InboundAsync(host, Message(type, Body("now"))));
    }

    [Fact]
    public async Task Undeliverable_ResourceBecameAvailableMeanwhile_DeliveredAtOnce()
    {
        var host = CreateHost();
        var session = host.Sessions.Add("juliet@capulet.lit/balcony").MakeAvailable();
        await PresenceAsync(host, session, isInitial: true);

        // The router found no available resource just before the presence above was processed.
        Assert.True(await UndeliverableAsync(host, Message("chat", Body("raced"))));

        Assert.Equal("raced", Assert.Single(session.TakeSent()).ElementText("body", Namespaces.Client));
        Assert.Equal(0, await _store.CountAsync(Juliet, default));
    }

    [Fact]
    public async Task Undeliverable_OnlyNegativePriorityResource_StaysStored()
    {
        var host = CreateHost();
        var session = host.Sessions.Add("juliet@capulet.lit/balcony").MakeAvailable(priority: -1);
        await PresenceAsync(host, session, isInitial: true);

        Assert.True(await UndeliverableAsync(host, Message("chat", Body("kept"))));

        Assert.Empty(session.TakeSent());
        Assert.Equal(1, await _store.CountAsync(Juliet, default));
    }

    [Fact]
    public async Task InitialPresence_NegativePriority_KeepsMessages()
    {
        var host = CreateHost();
        await UndeliverableAsync(host, Message("chat", Body("wait")));
        var session = host.Sessions.Add("juliet@capulet.lit/balcony").MakeAvailable(priority: -1);

        await PresenceAsync(host, session, isInitial: true);

        Assert.Empty(session.TakeSent());
        Assert.Equal(1, await _store.CountAsync(Juliet, default));
    }

    [Fact]
    public async Task PresenceUpdate_PriorityBecomesNonNegative_DeliversMessages()
    {
        var host = CreateHost();
        await UndeliverableAsync(host, Message("chat", Body("later")));
        var session = host.Sessions.Add("juliet@capulet.lit/balcony").MakeAvailable(priority: -5);
        await PresenceAsync(host, session, isInitial: true);

        session.MakeAvailable(priority: 0);
        await PresenceAsync(host, session, isInitial: false, wasAvailable: true);

        Assert.Equal("later", Assert.Single(session.TakeSent()).ElementText("body", Namespaces.Client));
        Assert.Equal(0, await _store.CountAsync(Juliet, default));
    }

    [Fact]
    public async Task PresenceUpdate_AfterDelivery_DoesNotQueryStoreAgain()
    {
        var host = CreateHost();
        var session = host.Sessions.Add("juliet@capulet.lit/balcony").MakeAvailable();
        await PresenceAsync(host, session, isInitial: true);
        var loads = _store.LoadCount;

        await PresenceAsync(host, session, isInitial: false, wasAvailable: true);

        Assert.Equal(loads, _store.LoadCount);
    }

    [Fact]
    public async Task Presence_Unavailable_DeliversNothing()
    {
        var host = CreateHost();
        await UndeliverableAsync(host, Message("chat", Body("x")));
        var session = host.Sessions.Add("juliet@capulet.lit/balcony");
        var unavailable = new XmppElement("presence", Namespaces.Client) { Type = "unavailable", From = session.Jid.ToString() };

        await host.Registry.PublishAsync(new PresenceBroadcastRequested(session, unavailable, WasAvailable: false, IsInitial: false), default);

        Assert.Empty(session.TakeSent());
        Assert.Equal(1, await _store.CountAsync(Juliet, default));
    }

    [Fact]
    public async Task InitialPresence_QueueRefusesAfterOne_RemovesOnlyDelivered()
    {
        var host = CreateHost(wrap: router => new LimitedRouter(router, deliveries: 1));
        await UndeliverableAsync(host, Message("chat", Body("1")));
        await UndeliverableAsync(host, Message("chat", Body("2")));
        await UndeliverableAsync(host, Message("chat", Body("3")));
        var session = host.Sessions.Add("juliet@capulet.lit/balcony").MakeAvailable();

        await PresenceAsync(host, session, isInitial: true);

        Assert.Equal("1", Assert.Single(session.TakeSent()).ElementText("body", Namespaces.Client));
        var left = await _store.LoadAsync(Juliet, default);
        Assert.Equal(["2", "3"], left.Select(m => m.Stanza.ElementText("body", Namespaces.Client)));
    }

    [Fact]
    public async Task QueueDrained_AfterAFlushStoppedAtAFullQueue_DeliversTheRestInOrder()
    {
        LimitedRouter? limited = null;
        var host = CreateHost(wrap: router => limited ??= new LimitedRouter(router, deliveries: 1));
        for (var i = 1; i <= 4; i++)
        {
            await UndeliverableAsync(host, Message("chat", Body(i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        }

        var session = host.Sessions.Add("juliet@capulet.lit/balcony").MakeAvailable();
        await PresenceAsync(host, session, isInitial: true);
        Assert.Equal("1", Assert.Single(session.TakeSent()).ElementText("body", Namespaces.Client));

        // The session read half its queue and says so: the flush goes on where it stopped.
        limited!.Allow(2);
        await host.Registry.PublishAsync(new OutboundQueueDrained(session), default);
        Assert.Equal(["2", "3"], session.TakeSent().Select(m => m.ElementText("body", Namespaces.Client)));

        // A new message meanwhile joins the stored ones rather than overtaking them (RFC 6120 §10.1).
        Assert.True(await host.RunHooksAsync(StanzaDirection.Inbound, Message("chat", Body("5")), origin: null));
        Assert.Empty(session.TakeSent());

        limited.Allow(10);
        await host.Registry.PublishAsync(new OutboundQueueDrained(session), default);
        Assert.Equal(["4", "5"], session.TakeSent().Select(m => m.ElementText("body", Namespaces.Client)));
        Assert.Equal(0, await _store.CountAsync(Juliet, default));

        // The flush is done: the next message goes straight to the session.
        Assert.False(await host.RunHooksAsync(StanzaDirection.Inbound, Message("chat", Body("6")), origin: null));
    }

    [Fact]
    public async Task QueueDrained_SessionThatNeverSentInitialPresence_GetsNothing()
    {
        var host = CreateHost();
        await UndeliverableAsync(host, Message("chat", Body("1")));
        var session = host.Sessions.Add("juliet@capulet.lit/balcony");

        await host.Registry.PublishAsync(new OutboundQueueDrained(session), default);

        Assert.Empty(session.TakeSent());
        Assert.Equal(1, await _store.CountAsync(Juliet, default));
    }

    [Fact]
    public async Task InitialPresence_SessionGone_KeepsAllMessages()
    {
        var host = CreateHost();
        await UndeliverableAsync(host, Message("chat", Body("1")));
        var gone = new FakeSession(Jid.Parse("juliet@capulet.lit/gone")).MakeAvailable();

        await PresenceAsync(host, gone, isInitial: true);

        Assert.Equal(1, await _store.CountAsync(Juliet, default));
    }

    [Fact]
    public async Task InitialPresence_TwoResourcesAtOnce_EachMessageDeliveredOnce()
    {
        var host = CreateHost();
        for (var i = 0; i < 50; i++)
        {
            await UndeliverableAsync(host, Message("chat", Body(i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        }

        var balcony = host.Sessions.Add("juliet@capulet.lit/balcony").MakeAvailable();
        var chamber = host.Sessions.Add("juliet@capulet.lit/chamber").MakeAvailable();

        await Task.WhenAll(
            Task.Run(() => PresenceAsync(host, balcony, isInitial: true)),
            Task.Run(() => PresenceAsync(host, chamber, isInitial: true)));

        Assert.Equal(50, balcony.TakeSent().Count + chamber.TakeSent().Count);
        Assert.Equal(0, await _store.CountAsync(Juliet, default));
    }

    [Fact]
    public async Task InitialPresence_OtherUsersMessages_NotDelivered()
    {
        var host = CreateHost();
        var forRomeo = Message("chat", Body("for romeo"));
        forRomeo.To = "romeo@montague.lit";
        forRomeo.From = "juliet@capulet.lit/balcony";
        await UndeliverableAsync(host, forRomeo);
        var session = host.Sessions.Add("juliet@capulet.lit/balcony").MakeAvailable();

        await PresenceAsync(host, session, isInitial: true);

        Assert.Empty(session.TakeSent());
        Assert.Equal(1, await _store.CountAsync(Jid.Parse("romeo@montague.lit"), default));
    }

    [Fact]
    public async Task UserDeleted_RemovesStoredMessages()
    {
        var host = CreateHost();
        await UndeliverableAsync(host, Message("chat", Body("bye")));

        await host.Registry.PublishAsync(new UserDeleted(Juliet), default);

        Assert.Equal(0, await _store.CountAsync(Juliet, default));
    }

    [Fact]
    public void DelayNotation_Stamp_IsUtcWithZ()
    {
        var stamp = new DateTimeOffset(2024, 1, 2, 5, 4, 5, 7, TimeSpan.FromHours(2));

        Assert.Equal("2024-01-02T03:04:05.007Z", DelayNotation.FormatStamp(stamp));
    }

    [Fact]
    public void OfflineOptionsValidator_ZeroMessages_Fails()
    {
        var result = new OfflineOptionsValidator().Validate(null, new OfflineOptions { MaxMessagesPerUser = 0 });

        Assert.True(result.Failed);
        Assert.True(new OfflineOptionsValidator().Validate(null, new OfflineOptions()).Succeeded);
    }

    private ModuleTestHost CreateHost(int max = 1000, Func<IStanzaRouter, IStanzaRouter>? wrap = null)
        => new(h => [new OfflineModule(
            () => wrap is null ? h.Router : wrap(h.Router),
            _store,
            h.Sessions,
            _time,
            Options.Create(new OfflineOptions { MaxMessagesPerUser = max }),
            NullLogger<OfflineModule>.Instance)]);

    private static ValueTask<bool> UndeliverableAsync(ModuleTestHost host, XmppElement message)
        => host.RunHooksAsync(StanzaDirection.Undeliverable, message, origin: null);

    private static ValueTask<bool> InboundAsync(ModuleTestHost host, XmppElement message)
        => host.RunHooksAsync(StanzaDirection.Inbound, message, origin: null);

    private static ValueTask PresenceAsync(ModuleTestHost host, FakeSession session, bool isInitial, bool wasAvailable = false)
        => host.Registry.PublishAsync(new PresenceBroadcastRequested(session, session.Presence!, wasAvailable, isInitial), default);

    private static XmppElement Message(string? type, params XmppElement[] children)
    {
        var message = new XmppElement("message", Namespaces.Client)
        {
            From = "romeo@montague.lit/orchard",
            To = "juliet@capulet.lit",
            Type = type,
        };
        foreach (var child in children)
        {
            message.Add(child);
        }

        return message;
    }

    private static XmppElement Body(string text) => new XmppElement("body", Namespaces.Client).AddText(text);

    private static XmppElement Delay(string from, string stamp)
        => new XmppElement("delay", Namespaces.Delay).SetAttribute("from", from).SetAttribute("stamp", stamp);
}
