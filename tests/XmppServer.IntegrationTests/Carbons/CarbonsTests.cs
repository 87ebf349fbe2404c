using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.Carbons;

/// <summary>XEP-0280 Message Carbons between real clients: alice on several resources, bob on one.</summary>
public sealed class CarbonsTests : AliceAndBobTests
{
    private const string Carbons = "urn:xmpp:carbons:2";
    private const string Forward = "urn:xmpp:forward:0";

    [Fact]
    public async Task DiscoInfo_Server_AdvertisesCarbons()
    {
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "phone");

        await alice.SendAsync("<iq type='get' id='d1' to='localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");

        var result = await alice.ExpectAsync(e => e.Name == "iq" && e.Id == "d1", "disco#info");
        Assert.Contains(result.Element("query", Namespaces.DiscoInfo)!.Elements("feature", Namespaces.DiscoInfo), f => f.GetAttribute("var") == Carbons);
    }

    [Fact]
    public async Task EnableAndDisable_AnsweredWithResultFromBareJid()
    {
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "phone");

        foreach (var (id, name) in new[] { ("e1", "enable"), ("e2", "enable"), ("d1", "disable"), ("d2", "disable") })
        {
            await alice.SendAsync($"<iq type='set' id='{id}'><{name} xmlns='{Carbons}'/></iq>");
            var result = await alice.ExpectAsync(e => e.Name == "iq" && e.Id == id, name);
            Assert.Equal("result", result.Type);
            Assert.Equal("alice@localhost/phone", result.To);
        }
    }

    [Fact]
    public async Task MessageToBareJid_OtherEnabledResourceGetsReceivedCarbon()
    {
        await using var phone = await LoginAsync(Alice, "phone", priority: 5, carbons: true);
        await using var laptop = await LoginAsync(Alice, "laptop", priority: 1, carbons: true);
        await using var bob = await LoginAsync(Bob, "b", priority: 0, carbons: false);

        await bob.SendAsync("<message to='alice@localhost' type='chat' id='m1'><body>to the best</body></message>");

        var original = await phone.ExpectAsync(e => e.Name == "message", "the message at the top resource");
        Assert.Equal("m1", original.Id);
        Assert.Null(original.Element("received", Carbons));
        var inner = AssertCarbon(await laptop.ExpectAsync(e => e.Name == "message", "the carbon"), "received", "alice@localhost/laptop", "chat");
        Assert.Equal("bob@localhost/b", inner.From);
        Assert.Equal("alice@localhost", inner.To);
        Assert.Equal("m1", inner.Id);
        Assert.Equal("to the best", inner.ElementText("body", Namespaces.Client));

        await AssertNothingBeforeMarkerAsync(bob, phone);
    }

    [Fact]
    public async Task MessageToFullJid_OtherEnabledResourceGetsReceivedCarbon()
    {
        await using var phone = await LoginAsync(Alice, "phone", priority: 5, carbons: true);
        await using var laptop = await LoginAsync(Alice, "laptop", priority: 1, carbons: true);
        await using var bob = await LoginAsync(Bob, "b", priority: 0, carbons: false);

        await bob.SendAsync("<message to='alice@localhost/laptop' type='chat' id='m2'><body>for the laptop</body></message>");

        Assert.Equal("m2", (await laptop.ExpectAsync(e => e.Name == "message", "the message")).Id);
        var inner = AssertCarbon(await phone.ExpectAsync(e => e.Name == "message", "the carbon"), "received", "alice@localhost/phone", "chat");
        Assert.Equal("alice@localhost/laptop", inner.To);
        Assert.Equal("m2", inner.Id);

        await AssertNothingBeforeMarkerAsync(bob, laptop);
    }

    [Fact]
    public async Task MessageFromOneResource_OtherEnabledResourceGetsSentCarbon()
    {
        await using var phone = await LoginAsync(Alice, "phone", priority: 0, carbons: true);
        await using var laptop = await LoginAsync(Alice, "laptop", priority: 0, carbons: true);
        await using var bob = await LoginAsync(Bob, "b", priority: 0, carbons: false);

        await phone.SendAsync("<message to='bob@localhost' type='chat' id='s1'><body>from my phone</body></message>");

        var atBob = await bob.ExpectAsync(e => e.Name == "message", "the message at bob");
        Assert.Equal("s1", atBob.Id);
        Assert.Null(atBob.Element("sent", Carbons));
        var inner = AssertCarbon(await laptop.ExpectAsync(e => e.Name == "message", "the carbon"), "sent", "alice@localhost/laptop", "chat");
        Assert.Equal("alice@localhost/phone", inner.From);
        Assert.Equal("bob@localhost", inner.To);
        Assert.Equal("from my phone", inner.ElementText("body", Namespaces.Client));

        await AssertNothingBeforeMarkerAsync(bob, phone);
    }

    [Fact]
    public async Task ResourceWithoutCarbons_GetsNothingExtra()
    {
        await using var phone = await LoginAsync(Alice, "phone", priority: 5, carbons: true);
        await using var tablet = await LoginAsync(Alice, "tablet", priority: 1, carbons: false);
        await using var laptop = await LoginAsync(Alice, "laptop", priority: 1, carbons: true);
        await using var bob = await LoginAsync(Bob, "b", priority: 0, carbons: false);

        await bob.SendAsync("<message to='alice@localhost' type='chat' id='m3'><body>in</body></message>");
        await phone.SendAsync("<message to='bob@localhost' type='chat' id='s3'><body>out</body></message>");

        // Bob's and the phone's messages are processed concurrently: the two carbons come in either order.
        var carbons = new[]
        {
            await laptop.ExpectAsync(e => e.Name == "message", "a carbon"),
            await laptop.ExpectAsync(e => e.Name == "message", "the other carbon"),
        };
        Assert.Equal("m3", AssertCarbon(Assert.Single(carbons, c => c.Element("received", Carbons) is not null), "received", "alice@localhost/laptop", "chat").Id);
        Assert.Equal("s3", AssertCarbon(Assert.Single(carbons, c => c.Element("sent", Carbons) is not null), "sent", "alice@localhost/laptop", "chat").Id);
        await AssertNothingBeforeMarkerAsync(bob, tablet);
    }

    [Fact]
    public async Task PrivateOrNoCopy_NotCopied_AndPrivateStaysInTheMessage()
    {
        await using var phone = await LoginAsync(Alice, "phone", priority: 5, carbons: true);
        await using var laptop = await LoginAsync(Alice, "laptop", priority: 1, carbons: true);
        await using var bob = await LoginAsync(Bob, "b", priority: 0, carbons: false);

        await bob.SendAsync($"<message to='alice@localhost/phone' type='chat' id='p1'><body>secret</body><private xmlns='{Carbons}'/><no-copy xmlns='urn:xmpp:hints'/></message>");
        await bob.SendAsync("<message to='alice@localhost/phone' type='chat' id='p2'><body>no copy</body><no-copy xmlns='urn:xmpp:hints'/></message>");
        await phone.SendAsync($"<message to='bob@localhost/b' type='chat' id='p3'><body>secret back</body><private xmlns='{Carbons}'/></message>");

        var first = await phone.ExpectAsync(e => e.Name == "message", "p1");
        Assert.Equal("p1", first.Id);
        Assert.NotNull(first.Element("private", Carbons));
        Assert.Equal("p2", (await phone.ExpectAsync(e => e.Name == "message", "p2")).Id);

        // The copies would have been queued while the messages were processed, before they reached their recipients.
        Assert.Equal("p3", (await bob.ExpectAsync(e => e.Name == "message", "p3")).Id);
        await AssertNothingBeforeMarkerAsync(bob, laptop);
    }

    [Fact]
    public async Task MessageBetweenOwnResources_ThirdResourceGetsOneSentCarbon()
    {
        await using var phone = await LoginAsync(Alice, "phone", priority: 0, carbons: true);
        await using var laptop = await LoginAsync(Alice, "laptop", priority: 0, carbons: true);
        await using var tablet = await LoginAsync(Alice, "tablet", priority: 0, carbons: true);
        await using var bob = await LoginAsync(Bob, "b", priority: 0, carbons: false);

        await phone.SendAsync("<message to='alice@localhost/laptop' type='chat' id='self1'><body>note to self</body></message>");

        Assert.Equal("self1", (await laptop.ExpectAsync(e => e.Name == "message", "the message")).Id);
        var inner = AssertCarbon(await tablet.ExpectAsync(e => e.Name == "message", "the carbon"), "sent", "alice@localhost/tablet", "chat");
        Assert.Equal("self1", inner.Id);
        await AssertNothingBeforeMarkerAsync(bob, phone);
        await AssertNothingBeforeMarkerAsync(bob, laptop);
        await AssertNothingBeforeMarkerAsync(bob, tablet);
    }

    private async Task<XmppTestClient> LoginAsync(Jid user, string resource, int priority, bool carbons)
    {
        var client = await XmppTestClient.LoginAsync(Server, user, resource: resource);
        if (carbons)
        {
            await client.SendAsync($"<iq type='set' id='enable'><enable xmlns='{Carbons}'/></iq>");
            Assert.Equal("result", (await client.ExpectAsync(e => e.Name == "iq" && e.Id == "enable", "carbons enabled")).Type);
        }

        await client.SendInitialPresenceAsync(priority);
        return client;
    }

    /// <summary>
    /// A headline (never copied) from <paramref name="sender"/> to <paramref name="client"/>: everything the server
    /// queued for the client before it arrives first, so the marker being the next message proves there was nothing.
    /// </summary>
    private static async Task AssertNothingBeforeMarkerAsync(XmppTestClient sender, XmppTestClient client)
    {
        var id = "marker-" + Guid.NewGuid().ToString("N");
        await sender.SendAsync($"<message to='{client.Jid}' type='headline' id='{id}'><body>marker</body></message>");
        var next = await client.ExpectAsync(e => e.Name == "message", "the marker");
        Assert.True(next.Id == id, $"expected only the marker, got {next}");
    }

    /// <summary>Checks the XEP-0280 §7/§8 wrapper and returns the forwarded message.</summary>
    private static XmppElement AssertCarbon(XmppElement carbon, string direction, string to, string type)
    {
        Assert.Equal("alice@localhost", carbon.From);
        Assert.Equal(to, carbon.To);
        Assert.Equal(type, carbon.Type);
        var wrapper = carbon.Element(direction, Carbons);
        Assert.True(wrapper is not null, $"expected <{direction}/>, got {carbon}");
        var forwarded = wrapper.Element("forwarded", Forward);
        Assert.NotNull(forwarded);
        var inner = forwarded.Element("message", Namespaces.Client);
        Assert.NotNull(inner);
        return inner;
    }
}
