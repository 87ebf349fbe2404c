using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.Im;

/// <summary>RFC 6121 roster, subscription and presence between two real clients.</summary>
public sealed class RosterPresenceTests : AliceAndBobTests
{
    [Fact]
    public async Task MutualSubscription_BothSeePresence_AndRostersSayBoth()
    {
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "a");
        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "b");
        await alice.SendAsync("<iq type='get' id='r0'><query xmlns='jabber:iq:roster'/></iq>");
        await alice.ExpectAsync(e => e.Id == "r0", "alice's roster");
        await bob.SendAsync("<iq type='get' id='r0'><query xmlns='jabber:iq:roster'/></iq>");
        await bob.ExpectAsync(e => e.Id == "r0", "bob's roster");
        await alice.SendInitialPresenceAsync();
        await bob.SendInitialPresenceAsync();

        // RFC 6121 §3.1: alice asks, bob approves, and the other way round.
        await alice.SendAsync("<presence to='bob@localhost' type='subscribe'/>");
        var request = await bob.ExpectAsync(e => e.Name == "presence" && e.Type == "subscribe", "alice's request");
        Assert.Equal("alice@localhost", request.From);
        await bob.SendAsync("<presence to='alice@localhost' type='subscribed'/>");
        await alice.ExpectAsync(e => e.Name == "presence" && e.Type == "subscribed", "bob's approval");
        await alice.ExpectAsync(e => e.Name == "presence" && e.Type is null && e.From == "bob@localhost/b", "bob's presence");

        await bob.SendAsync("<presence to='alice@localhost' type='subscribe'/>");
        await alice.ExpectAsync(e => e.Name == "presence" && e.Type == "subscribe", "bob's request");
        await alice.SendAsync("<presence to='bob@localhost' type='subscribed'/>");
        await bob.ExpectAsync(e => e.Name == "presence" && e.Type is null && e.From == "alice@localhost/a", "alice's presence");

        await alice.SendAsync("<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>");
        var roster = await alice.ExpectAsync(e => e.Name == "iq" && e.Id == "r1", "the roster");
        var item = Assert.Single(roster.Element("query", Namespaces.Roster)!.Elements());
        Assert.Equal("bob@localhost", item.GetAttribute("jid"));
        Assert.Equal("both", item.GetAttribute("subscription"));

        // Going offline is seen by the contact (RFC 6121 §4.5.2).
        await bob.SendAsync("<presence type='unavailable'/>");
        await alice.ExpectAsync(e => e.Name == "presence" && e.Type == "unavailable" && e.From == "bob@localhost/b", "bob leaving");
    }

    [Fact]
    public async Task RosterSet_PushesToEveryInterestedResource()
    {
        await using var phone = await XmppTestClient.LoginAsync(Server, Alice, resource: "phone");
        await using var laptop = await XmppTestClient.LoginAsync(Server, Alice, resource: "laptop");
        await laptop.SendAsync("<iq type='get' id='r0'><query xmlns='jabber:iq:roster'/></iq>");
        await laptop.ExpectAsync(e => e.Id == "r0", "the roster");

        await phone.SendAsync("<iq type='set' id='s1'><query xmlns='jabber:iq:roster'><item jid='carol@localhost' name='Carol'><group>Friends</group></item></query></iq>");

        Assert.Equal("result", (await phone.ExpectAsync(e => e.Id == "s1", "the set result")).Type);
        var push = await laptop.ExpectAsync(e => e.Name == "iq" && e.Type == "set", "the push");
        var item = push.Element("query", Namespaces.Roster)!.FirstElement()!;
        Assert.Equal("carol@localhost", item.GetAttribute("jid"));
        Assert.Equal("Carol", item.GetAttribute("name"));
        Assert.NotNull(push.Element("query", Namespaces.Roster)!.GetAttribute("ver"));
    }
}
