using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.Disco;

/// <summary>XEP-0030 §8: the server answers for an account towards its trusted contacts only.</summary>
public sealed class AccountDiscoTests : AliceAndBobTests
{
    private const string InfoQuery = "<query xmlns='http://jabber.org/protocol/disco#info'/>";

    [Fact]
    public async Task AccountInfo_AskedByAStranger_IsServiceUnavailable()
    {
        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "b");

        await bob.SendAsync($"<iq type='get' id='d1' to='alice@localhost'>{InfoQuery}</iq>");

        var answer = await bob.ExpectAsync(e => e.Id == "d1", "the disco answer");
        Assert.Equal("error", answer.Type);
        Assert.NotNull(answer.Element("error", Namespaces.Client)?.Element("service-unavailable", Namespaces.Stanzas));
    }

    [Fact]
    public async Task AccountInfo_AskedByAContactWithPresenceSubscription_IsAnsweredWithTheAccountIdentity()
    {
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "a");
        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "b");
        await alice.SendInitialPresenceAsync();
        await bob.SendInitialPresenceAsync();

        // RFC 6121 §3.1: bob subscribes to alice's presence, so alice's roster says 'from' for bob.
        await bob.SendAsync("<presence to='alice@localhost' type='subscribe'/>");
        await alice.ExpectAsync(e => e.Name == "presence" && e.Type == "subscribe", "bob's request");
        await alice.SendAsync("<presence to='bob@localhost' type='subscribed'/>");
        await bob.ExpectAsync(e => e.Name == "presence" && e.Type is null && e.From == "alice@localhost/a", "alice's presence");

        await bob.SendAsync($"<iq type='get' id='d2' to='alice@localhost'>{InfoQuery}</iq>");

        var answer = await bob.ExpectAsync(e => e.Id == "d2", "the disco answer");
        Assert.Equal("result", answer.Type);
        var identity = answer.Element("query", Namespaces.DiscoInfo)?.Element("identity", Namespaces.DiscoInfo);
        Assert.Equal("account", identity?.GetAttribute("category"));
        Assert.Equal("registered", identity?.GetAttribute("type"));
    }

    [Fact]
    public async Task AccountInfo_AskedByTheAccountWhoseContactItIs_StaysRefusedForTheOtherDirection()
    {
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "a");
        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "b");
        await alice.SendInitialPresenceAsync();
        await bob.SendInitialPresenceAsync();
        await bob.SendAsync("<presence to='alice@localhost' type='subscribe'/>");
        await alice.ExpectAsync(e => e.Name == "presence" && e.Type == "subscribe", "bob's request");
        await alice.SendAsync("<presence to='bob@localhost' type='subscribed'/>");
        await bob.ExpectAsync(e => e.Name == "presence" && e.Type is null && e.From == "alice@localhost/a", "alice's presence");

        // Bob's roster says 'to' for alice: bob does not share his presence with her, so she may not discover him.
        await alice.SendAsync($"<iq type='get' id='d3' to='bob@localhost'>{InfoQuery}</iq>");

        var answer = await alice.ExpectAsync(e => e.Id == "d3", "the disco answer");
        Assert.Equal("error", answer.Type);
    }
}
