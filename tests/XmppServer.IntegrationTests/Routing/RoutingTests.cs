using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.Routing;

/// <summary>RFC 6120 §8, §10 and RFC 6121 §8.5 delivery rules, between real clients.</summary>
public sealed class RoutingTests : AliceAndBobTests
{
    [Fact]
    public async Task MessageToFullJid_IsDelivered_WithFromStampedByTheServer()
    {
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "a");
        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "b");

        await alice.SendAsync("<message to='bob@localhost/b' from='mallory@localhost/evil' type='chat' id='m1'><body>hi &amp; bye</body></message>");

        var message = await bob.ExpectAsync(e => e.Name == "message", "the message");
        Assert.Equal("alice@localhost/a", message.From);
        Assert.Equal("hi & bye", message.ElementText("body", Namespaces.Client));
        Assert.Equal("m1", message.Id);
    }

    [Fact]
    public async Task ManyMessages_FromOneSender_ArriveInOrder()
    {
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "a");
        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "b");

        var batch = string.Concat(Enumerable.Range(0, 300).Select(i => $"<message to='bob@localhost/b' type='chat'><body>{i}</body></message>"));
        await alice.SendAsync(batch);

        for (var i = 0; i < 300; i++)
        {
            var message = await bob.ExpectAsync(e => e.Name == "message", $"message {i}");
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), message.ElementText("body", Namespaces.Client));
        }
    }

    [Fact]
    public async Task MessageToBareJid_GoesToHighestNonNegativePriority()
    {
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "a");
        await using var low = await XmppTestClient.LoginAsync(Server, Bob, resource: "low");
        await using var high = await XmppTestClient.LoginAsync(Server, Bob, resource: "high");
        await low.SendAsync("<presence><priority>1</priority></presence>");
        await high.SendAsync("<presence><priority>5</priority></presence>");
        await low.SyncAsync();
        await high.SyncAsync();

        await alice.SendAsync("<message to='bob@localhost' type='chat'><body>for the best</body></message>");
        await alice.SendAsync("<message to='bob@localhost/low' type='chat'><body>for low</body></message>");

        var atHigh = await high.ExpectAsync(e => e.Name == "message", "the bare message at the high-priority resource");
        Assert.Equal("for the best", atHigh.ElementText("body", Namespaces.Client));
        var atLow = await low.ExpectAsync(e => e.Name == "message", "the full-JID message at low");
        Assert.Equal("for low", atLow.ElementText("body", Namespaces.Client));
    }

    [Fact]
    public async Task MessageToBareJid_SkipsNegativePriorityResources()
    {
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "a");
        await using var negative = await XmppTestClient.LoginAsync(Server, Bob, resource: "neg");
        await using var normal = await XmppTestClient.LoginAsync(Server, Bob, resource: "zero");
        await negative.SendAsync("<presence><priority>-1</priority></presence>");
        await normal.SendAsync("<presence/>");
        await negative.SyncAsync();
        await normal.SyncAsync();

        await alice.SendAsync("<message to='bob@localhost' type='chat'><body>one</body></message>");
        await alice.SendAsync("<message to='bob@localhost/neg' type='chat'><body>two</body></message>");

        Assert.Equal("one", (await normal.ExpectAsync(e => e.Name == "message", "one")).ElementText("body", Namespaces.Client));
        Assert.Equal("two", (await negative.ExpectAsync(e => e.Name == "message", "two")).ElementText("body", Namespaces.Client));
    }

    [Fact]
    public async Task MessageToUnknownUser_BouncesServiceUnavailable()
    {
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice);
        await alice.SendAsync("<message to='nobody@localhost' id='x1' type='chat'><body>anyone?</body></message>");

        var error = await alice.ExpectAsync(e => e.Name == "message", "the bounce");
        AssertError(error, "x1", "service-unavailable");
        Assert.Equal("nobody@localhost", error.From);
    }

    [Fact]
    public async Task MessageToRemoteDomain_BouncesRemoteServerNotFound()
    {
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice);
        await alice.SendAsync("<message to='someone@far.example' id='r1'><body>hello</body></message>");

        AssertError(await alice.ExpectAsync(e => e.Name == "message", "the bounce"), "r1", "remote-server-not-found");
    }

    [Fact]
    public async Task ErrorMessageToUnknownUser_IsNeverAnswered()
    {
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice);
        await alice.SendAsync("<message to='nobody@localhost' type='error' id='e1'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>");
        await alice.SyncAsync();
        await alice.SendAsync("<message to='nobody@localhost' id='e2'><body>now answer</body></message>");

        // The first thing to arrive is the bounce of e2: e1 produced nothing.
        var first = await alice.NextElementAsync();
        Assert.Equal("e2", first.Id);
    }

    [Fact]
    public async Task MalformedTo_GetsJidMalformed()
    {
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice);
        await alice.SendAsync("<message to='a@b@c' id='j1'><body>x</body></message>");

        AssertError(await alice.NextElementAsync(), "j1", "jid-malformed");
    }

    [Fact]
    public async Task IqWithUnknownPayload_GetsServiceUnavailable()
    {
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice);
        await alice.SendAsync("<iq type='get' id='u1' to='localhost'><query xmlns='urn:example:unknown'/></iq>");

        AssertError(await alice.NextElementAsync(), "u1", "service-unavailable");
    }

    [Fact]
    public async Task IqGetWithTwoPayloads_GetsBadRequest()
    {
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice);
        await alice.SendAsync("<iq type='get' id='b1'><a xmlns='urn:x'/><b xmlns='urn:x'/></iq>");

        AssertError(await alice.NextElementAsync(), "b1", "bad-request");
    }

    [Fact]
    public async Task IqToOfflineResource_GetsServiceUnavailable()
    {
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice);
        await alice.SendAsync("<iq type='get' id='o1' to='bob@localhost/gone'><ping xmlns='urn:xmpp:ping'/></iq>");

        AssertError(await alice.NextElementAsync(), "o1", "service-unavailable");
    }

    [Fact]
    public async Task IqBetweenResources_IsRoutedAndAnswered()
    {
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "a");
        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "b");

        await alice.SendAsync("<iq type='get' id='v1' to='bob@localhost/b'><query xmlns='jabber:iq:version'/></iq>");
        var request = await bob.ExpectAsync(e => e.Name == "iq", "the request");
        Assert.Equal("alice@localhost/a", request.From);
        await bob.SendAsync("<iq type='result' id='v1' to='alice@localhost/a'><query xmlns='jabber:iq:version'><name>test</name></query></iq>");

        var result = await alice.ExpectAsync(e => e.Name == "iq", "the result");
        Assert.Equal("result", result.Type);
        Assert.Equal("bob@localhost/b", result.From);
    }

    private static void AssertError(XmppElement stanza, string id, string condition)
    {
        Assert.Equal("error", stanza.Type);
        Assert.Equal(id, stanza.Id);
        var error = stanza.Element("error", Namespaces.Client);
        Assert.NotNull(error);
        Assert.Contains(error!.Elements(), e => e.Namespace == Namespaces.Stanzas && e.Name == condition);
    }
}
