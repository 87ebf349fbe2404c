using XmppServer.Core.Events;
using XmppServer.Core.Modules;
using XmppServer.Core.Routing;
using XmppServer.Modules.Carbons;
using XmppServer.Modules.Tests.Testing;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Carbons;

public sealed class CarbonsModuleTests
{
    private const string Carbons = "urn:xmpp:carbons:2";
    private const string Forward = "urn:xmpp:forward:0";

    private readonly ModuleTestHost _host;
    private readonly FakeSession _phone;
    private readonly FakeSession _laptop;
    private readonly FakeSession _tablet;
    private readonly FakeSession _bob;

    public CarbonsModuleTests()
    {
        _host = new ModuleTestHost(h => [new CarbonsModule(h.Sessions)]);
        _phone = _host.Sessions.Add("alice@example.com/phone").MakeAvailable();
        _laptop = _host.Sessions.Add("alice@example.com/laptop").MakeAvailable();
        _tablet = _host.Sessions.Add("alice@example.com/tablet").MakeAvailable();
        _bob = _host.Sessions.Add("bob@example.com/desk").MakeAvailable();
    }

    [Fact]
    public void Configure_Always_AdvertisesCarbonsOnServer()
    {
        Assert.Contains(Carbons, _host.Registry.Features(DiscoScope.Server));
        Assert.True(_host.Registry.HasIqHandler(IqType.Set, Carbons, "enable"));
        Assert.True(_host.Registry.HasIqHandler(IqType.Set, Carbons, "disable"));
    }

    [Fact]
    public async Task Enable_Twice_EmptyResultsAndEnabled()
    {
        var first = await _host.InvokeIqAsync(Iq("enable"), _laptop);
        var second = await _host.InvokeIqAsync(Iq("enable"), _laptop);

        Assert.Same(IqResult.Empty, first);
        Assert.Same(IqResult.Empty, second);
        Assert.True(_laptop.Items.Get<CarbonsState>()!.IsEnabled);
    }

    [Fact]
    public async Task Disable_AfterEnable_Disabled()
    {
        await _host.InvokeIqAsync(Iq("enable"), _laptop);

        var result = await _host.InvokeIqAsync(Iq("disable"), _laptop);

        Assert.Same(IqResult.Empty, result);
        Assert.False(_laptop.Items.Get<CarbonsState>()!.IsEnabled);
    }

    [Fact]
    public async Task Disable_NeverEnabled_EmptyResult()
    {
        Assert.Same(IqResult.Empty, await _host.InvokeIqAsync(Iq("disable"), _laptop));
    }

    [Fact]
    public async Task Enable_ForAnotherAccount_NoHandler()
    {
        // Only IqTarget.Self is served: the router answers service-unavailable for someone else's bare JID.
        Assert.Null(await _host.InvokeIqAsync(Iq("enable"), _bob, Jid.Parse("alice@example.com")));
    }

    [Fact]
    public async Task Enable_WithoutLocalSession_NotAllowed()
    {
        var handler = _host.Registry.FindIqHandler(IqType.Set, Carbons, "enable", IqTarget.Self)!;
        var iq = Iq("enable");
        var from = Jid.Parse("alice@example.com/remote");

        var result = await handler(new IqContext(iq, iq.FirstElement()!, IqType.Set, from, from.Bare, null), CancellationToken.None);

        Assert.Equal(StanzaErrorCondition.NotAllowed, result.Error);
    }

    [Fact]
    public async Task Sent_ToOtherAccount_CopiedToOtherEnabledResourcesOnly()
    {
        await EnableAsync(_phone, _laptop);
        var message = Message("alice@example.com/phone", "bob@example.com", "chat");

        var handled = await _host.RunHooksAsync(StanzaDirection.Outbound, message, _phone);

        Assert.False(handled);
        var carbon = Assert.Single(_laptop.TakeSent());
        var inner = AssertCarbon(carbon, "sent", "alice@example.com/laptop", "chat");
        Assert.True(inner.DeepEquals(message));
        Assert.NotSame(message, inner);
        Assert.Empty(_phone.TakeSent());
        Assert.Empty(_tablet.TakeSent());
        Assert.Empty(_bob.TakeSent());
    }

    [Fact]
    public async Task Sent_SenderWithoutCarbons_OtherEnabledResourcesStillCopied()
    {
        // XEP-0280 §8: irrespective of whether the sending client has carbons enabled.
        await EnableAsync(_laptop);

        await _host.RunHooksAsync(StanzaDirection.Outbound, Message("alice@example.com/phone", "bob@example.com/desk", "chat"), _phone);

        AssertCarbon(Assert.Single(_laptop.TakeSent()), "sent", "alice@example.com/laptop", "chat");
    }

    [Fact]
    public async Task Sent_ToRemoteDomain_Copied()
    {
        await EnableAsync(_laptop);

        await _host.RunHooksAsync(StanzaDirection.Outbound, Message("alice@example.com/phone", "carol@remote.example/x", null), _phone);

        var inner = AssertCarbon(Assert.Single(_laptop.TakeSent()), "sent", "alice@example.com/laptop", null);
        Assert.Equal("carol@remote.example/x", inner.To);
    }

    [Fact]
    public async Task Sent_EnabledButUnavailableResource_NotCopied()
    {
        await EnableAsync(_laptop);
        _laptop.IsAvailable = false;

        await _host.RunHooksAsync(StanzaDirection.Outbound, Message("alice@example.com/phone", "bob@example.com", "chat"), _phone);

        Assert.Empty(_laptop.TakeSent());
    }

    [Theory]
    [InlineData("<private xmlns='urn:xmpp:carbons:2'/>")]
    [InlineData("<no-copy xmlns='urn:xmpp:hints'/>")]
    public async Task Sent_OptedOut_NotCopied(string optOut)
    {
        await EnableAsync(_laptop);
        var message = Message("alice@example.com/phone", "bob@example.com/desk", "chat");
        message.Add(CarbonEligibilityTests.Parse($"<message>{optOut}</message>").FirstElement()!);

        Assert.False(await _host.RunHooksAsync(StanzaDirection.Outbound, message, _phone));

        Assert.Empty(_laptop.TakeSent());
        Assert.NotNull(message.FirstElement());
    }

    [Fact]
    public async Task Sent_Groupchat_NotCopied()
    {
        await EnableAsync(_laptop);

        await _host.RunHooksAsync(StanzaDirection.Outbound, Message("alice@example.com/phone", "room@muc.example.com", "groupchat"), _phone);

        Assert.Empty(_laptop.TakeSent());
    }

    [Fact]
    public async Task Sent_ToOwnAccount_LeftToDelivery()
    {
        await EnableAsync(_laptop, _tablet);

        await _host.RunHooksAsync(StanzaDirection.Outbound, Message("alice@example.com/phone", "alice@example.com/laptop", "chat"), _phone);
        await _host.RunHooksAsync(StanzaDirection.Outbound, Message("alice@example.com/phone", null, "chat"), _phone);

        Assert.Empty(_laptop.TakeSent());
        Assert.Empty(_tablet.TakeSent());
    }

    [Fact]
    public async Task Received_ToFullJid_CopiedToOtherEnabledResources()
    {
        await EnableAsync(_phone, _laptop);
        var message = Message("bob@example.com/desk", "alice@example.com/phone", "chat");

        await DeliveredAsync(message, "alice@example.com/phone", _phone);

        Assert.Empty(_phone.TakeSent());
        var inner = AssertCarbon(Assert.Single(_laptop.TakeSent()), "received", "alice@example.com/laptop", "chat");
        Assert.True(inner.DeepEquals(message));
        Assert.Empty(_tablet.TakeSent());
    }

    [Fact]
    public async Task Received_ToBareJid_CopiedToEnabledResourcesThatDidNotGetIt()
    {
        await EnableAsync(_phone, _laptop, _tablet);
        var message = Message("bob@example.com/desk", "alice@example.com", null);

        await DeliveredAsync(message, "alice@example.com", _phone, _laptop);

        Assert.Empty(_phone.TakeSent());
        Assert.Empty(_laptop.TakeSent());
        AssertCarbon(Assert.Single(_tablet.TakeSent()), "received", "alice@example.com/tablet", null);
    }

    [Fact]
    public async Task Received_NegativePriorityEnabledResource_Copied()
    {
        await EnableAsync(_tablet);
        _tablet.MakeAvailable(-1);

        await DeliveredAsync(Message("bob@example.com/desk", "alice@example.com", "chat"), "alice@example.com", _phone);

        AssertCarbon(Assert.Single(_tablet.TakeSent()), "received", "alice@example.com/tablet", "chat");
    }

    [Theory]
    [InlineData("<private xmlns='urn:xmpp:carbons:2'/>")]
    [InlineData("<no-copy xmlns='urn:xmpp:hints'/>")]
    [InlineData("<x xmlns='http://jabber.org/protocol/muc#user'/>")]
    public async Task Received_OptedOutOrMucPrivateMessage_NotCopied(string extra)
    {
        await EnableAsync(_laptop);
        var message = Message("bob@example.com/desk", "alice@example.com/phone", "chat");
        message.Add(CarbonEligibilityTests.Parse($"<message>{extra}</message>").FirstElement()!);

        await DeliveredAsync(message, "alice@example.com/phone", _phone);

        Assert.Empty(_laptop.TakeSent());
    }

    [Fact]
    public async Task Received_Headline_NotCopied()
    {
        await EnableAsync(_laptop);

        await DeliveredAsync(Message("bob@example.com/desk", "alice@example.com/phone", "headline"), "alice@example.com/phone", _phone);

        Assert.Empty(_laptop.TakeSent());
    }

    [Fact]
    public async Task Received_AfterDisable_NotCopied()
    {
        await EnableAsync(_laptop);
        await _host.InvokeIqAsync(Iq("disable"), _laptop);

        await DeliveredAsync(Message("bob@example.com/desk", "alice@example.com/phone", "chat"), "alice@example.com/phone", _phone);

        Assert.Empty(_laptop.TakeSent());
    }

    [Fact]
    public async Task Delivered_BetweenOwnResources_OneSentCopyForTheOthers()
    {
        await EnableAsync(_phone, _laptop, _tablet);
        var message = Message("alice@example.com/phone", "alice@example.com/laptop", "chat");

        await DeliveredAsync(message, "alice@example.com/laptop", _laptop);

        Assert.Empty(_phone.TakeSent());
        Assert.Empty(_laptop.TakeSent());
        var inner = AssertCarbon(Assert.Single(_tablet.TakeSent()), "sent", "alice@example.com/tablet", "chat");
        Assert.True(inner.DeepEquals(message));
    }

    [Fact]
    public async Task Delivered_ToOtherAccount_NoCopiesForTheSendersAccount()
    {
        await EnableAsync(_laptop);

        await DeliveredAsync(Message("alice@example.com/phone", "bob@example.com/desk", "chat"), "bob@example.com/desk", _bob);

        Assert.Empty(_laptop.TakeSent());
    }

    /// <summary>Checks the XEP-0280 §7/§8 wrapper and returns the forwarded message.</summary>
    private static XmppElement AssertCarbon(XmppElement carbon, string direction, string to, string? type)
    {
        Assert.True(carbon.Is("message", Namespaces.Client), carbon.ToString());
        Assert.Equal("alice@example.com", carbon.From);
        Assert.Equal(to, carbon.To);
        Assert.Equal(type, carbon.Type);
        var wrapper = Assert.Single(carbon.Elements());
        Assert.True(wrapper.Is(direction, Carbons), carbon.ToString());
        var forwarded = Assert.Single(wrapper.Elements());
        Assert.True(forwarded.Is("forwarded", Forward), carbon.ToString());
        var inner = Assert.Single(forwarded.Elements());
        Assert.True(inner.Is("message", Namespaces.Client), carbon.ToString());
        return inner;
    }

    private async Task EnableAsync(params FakeSession[] sessions)
    {
        foreach (var session in sessions)
        {
            Assert.Same(IqResult.Empty, await _host.InvokeIqAsync(Iq("enable"), session));
        }
    }

    /// <summary>What the router publishes after handing the message to <paramref name="deliveredTo"/>.</summary>
    private ValueTask DeliveredAsync(XmppElement message, string to, params FakeSession[] deliveredTo)
        => _host.Registry.PublishAsync(new MessageDelivered(message, Jid.Parse(message.From!), Jid.Parse(to), deliveredTo), CancellationToken.None);

    private static XmppElement Iq(string name)
    {
        var iq = new XmppElement("iq", Namespaces.Client) { Type = "set", Id = "c1" };
        iq.AddElement(name, Carbons);
        return iq;
    }

    private static XmppElement Message(string from, string? to, string? type)
    {
        var message = new XmppElement("message", Namespaces.Client) { From = from, Id = "m1" };
        if (to is not null)
        {
            message.To = to;
        }

        if (type is not null)
        {
            message.Type = type;
        }

        message.AddTextElement("body", Namespaces.Client, "hello");
        return message;
    }
}
