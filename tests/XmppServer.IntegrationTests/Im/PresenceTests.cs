using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.Im;

/// <summary>RFC 6121 §4 presence between real clients: own resources, directed presence and probes.</summary>
public sealed class PresenceTests : AliceAndBobTests
{
    [Fact]
    public async Task InitialPresenceOfSecondResource_IsSeenByFirstResource_AndTheOtherWayRound()
    {
        await using var phone = await XmppTestClient.LoginAsync(Server, Alice, resource: "phone");
        await phone.SendAsync("<presence><show>away</show></presence>");
        await phone.ExpectAsync(e => e.Name == "presence" && e.From == "alice@localhost/phone", "phone's own presence");
        await using var laptop = await XmppTestClient.LoginAsync(Server, Alice, resource: "laptop");

        await laptop.SendAsync("<presence><status>at the desk</status></presence>");

        // RFC 6121 §4.2.2: the user's other available resources get the broadcast...
        var atPhone = await phone.ExpectAsync(e => e.Name == "presence" && e.From == "alice@localhost/laptop", "laptop's presence at the phone");
        Assert.Null(atPhone.Type);
        Assert.Equal("alice@localhost/phone", atPhone.To);
        Assert.Equal("at the desk", atPhone.ElementText("status", Namespaces.Client));

        // ...and the new resource learns the presence of the others.
        var atLaptop = await laptop.ExpectAsync(e => e.Name == "presence" && e.From == "alice@localhost/phone", "phone's presence at the laptop");
        Assert.Null(atLaptop.Type);
        Assert.Equal("away", atLaptop.ElementText("show", Namespaces.Client));
    }

    [Fact]
    public async Task DirectedPresenceToNonContact_ThenDisconnect_SendsThatContactUnavailable()
    {
        await using var bob = await XmppTestClient.LoginAvailableAsync(Server, Bob, resource: "b");
        await using var alice = await XmppTestClient.LoginAvailableAsync(Server, Alice, resource: "a");

        await alice.SendAsync("<presence to='bob@localhost'><status>hello stranger</status></presence>");
        var directed = await bob.ExpectAsync(e => e.Name == "presence" && e.From == "alice@localhost/a", "alice's directed presence");
        Assert.Null(directed.Type);

        // The connection ends without unavailable presence or a closing tag.
        await alice.DisposeAsync();

        // RFC 6121 §4.6.3 / §4.5.2: the server sends unavailable presence to whoever got directed presence.
        var unavailable = await bob.ExpectAsync(e => e.Name == "presence" && e.From == "alice@localhost/a", "alice's unavailable presence");
        Assert.Equal("unavailable", unavailable.Type);
    }

    [Fact]
    public async Task ContactLoggingInAfterUser_GetsUsersCurrentPresence_FromTheProbe()
    {
        await SubscribeBobToAliceAsync();

        await using var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "a");
        await alice.SendAsync("<presence><show>dnd</show><status>in a meeting</status><priority>3</priority></presence>");
        await alice.ExpectAsync(e => e.Name == "presence" && e.From == "alice@localhost/a" && e.Type is null, "alice's own presence");

        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "b");
        await bob.SendAsync("<presence/>");

        // RFC 6121 §4.3: bob's server probes alice on bob's behalf and bob gets her last broadcast presence.
        var presence = await bob.ExpectAsync(e => e.Name == "presence" && e.From == "alice@localhost/a", "alice's current presence");
        Assert.Null(presence.Type);

        // The probe goes out from bob's bare JID (§4.3.1), so the answer may be addressed to it or to this resource.
        Assert.Contains(presence.To, new[] { "bob@localhost", "bob@localhost/b" });
        Assert.Equal("dnd", presence.ElementText("show", Namespaces.Client));
        Assert.Equal("in a meeting", presence.ElementText("status", Namespaces.Client));
    }

    /// <summary>RFC 6121 §3.1: bob subscribes to alice's presence and she approves, in two short-lived sessions.</summary>
    private async Task SubscribeBobToAliceAsync()
    {
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "setup-a");
        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "setup-b");
        await alice.SendAsync("<iq type='get' id='r0'><query xmlns='jabber:iq:roster'/></iq>");
        await alice.ExpectAsync(e => e.Id == "r0", "alice's roster");
        await bob.SendAsync("<iq type='get' id='r0'><query xmlns='jabber:iq:roster'/></iq>");
        await bob.ExpectAsync(e => e.Id == "r0", "bob's roster");
        await alice.SendInitialPresenceAsync();
        await bob.SendInitialPresenceAsync();

        await bob.SendAsync("<presence to='alice@localhost' type='subscribe'/>");
        await alice.ExpectAsync(e => e.Name == "presence" && e.Type == "subscribe", "bob's request");
        await alice.SendAsync("<presence to='bob@localhost' type='subscribed'/>");
        await bob.ExpectAsync(e => e.Name == "presence" && e.Type == "subscribed", "alice's approval");

        // The subscription is stored once bob has the approval. These sessions may still be ending while the test's
        // own ones start; the test only looks at presence from the resources it logs in.
    }
}
