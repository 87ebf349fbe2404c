using System.Globalization;
using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.Im;

/// <summary>Offline messages (XEP-0160) with delay notations (XEP-0203), between real clients over real sockets.</summary>
public sealed class OfflineMessageTests : AliceAndBobTests
{
    [Fact]
    public async Task ChatToAccountWithoutSession_IsDeliveredOnInitialPresence_WithOneServerDelay()
    {
        var sentAfter = DateTimeOffset.UtcNow.AddSeconds(-5);
        await using (var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "a"))
        {
            await alice.SendAsync("<message to='bob@localhost' type='chat' id='off1'><body>while you were out</body></message>");

            // Stored, not bounced: nothing comes back before the round trip's answer.
            Assert.Empty(await alice.CollectUntilSyncAsync());
        }

        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "b");
        await bob.SendAsync("<presence/>");

        var message = await bob.ExpectAsync(e => e.Name == "message", "the stored message");
        Assert.Equal("off1", message.Id);
        Assert.Equal("alice@localhost/a", message.From);
        Assert.Equal("while you were out", message.ElementText("body", Namespaces.Client));

        // XEP-0203 §2 / XEP-0160 §2: exactly one delay, added by the server that stored the message.
        var delay = Assert.Single(message.Elements("delay", Namespaces.Delay));
        Assert.Equal("localhost", delay.GetAttribute("from"));
        var stamp = DateTimeOffset.Parse(delay.GetAttribute("stamp")!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        Assert.InRange(stamp, sentAfter, DateTimeOffset.UtcNow.AddSeconds(5));
        Assert.EndsWith("Z", delay.GetAttribute("stamp")!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SeveralMessagesToAccountWithoutSession_AreDelivered_InTheOrderSent()
    {
        await using (var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "a"))
        {
            for (var i = 1; i <= 5; i++)
            {
                await alice.SendAsync($"<message to='bob@localhost' type='chat' id='o{i}'><body>{i}</body></message>");
            }

            Assert.Empty(await alice.CollectUntilSyncAsync());
        }

        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "b");
        await bob.SendAsync("<presence/>");

        var bodies = await ReceiveMessagesAsync(bob, 5);
        Assert.Equal(["1", "2", "3", "4", "5"], bodies.Select(m => m.ElementText("body", Namespaces.Client)));
    }

    [Fact]
    public async Task ChatStateOnlyMessageToAccountWithoutSession_IsNeitherStoredNorBounced()
    {
        await using (var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "a"))
        {
            // XEP-0160 §3 (and XEP-0085 §5.8): a bare chat state is not worth storing, and no error is sent for it.
            await alice.SendAsync("<message to='bob@localhost' type='chat' id='cs1'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>");
            await alice.SendAsync("<message to='bob@localhost' type='chat' id='real1'><body>real</body><active xmlns='http://jabber.org/protocol/chatstates'/></message>");

            Assert.Empty(await alice.CollectUntilSyncAsync());
        }

        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "b");
        await bob.SendAsync("<presence/>");

        // The flush happens while the presence is processed, so everything it delivers precedes the sync answer.
        var messages = (await bob.CollectUntilSyncAsync()).Where(e => e.Name == "message").ToList();
        var only = Assert.Single(messages);
        Assert.Equal("real1", only.Id);
    }

    [Fact]
    public async Task NegativePriorityInitialPresence_DoesNotFlush_UntilPriorityIsNonNegative()
    {
        await using (var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "a"))
        {
            await alice.SendAsync("<message to='bob@localhost' type='chat' id='neg1'><body>kept</body></message>");
            Assert.Empty(await alice.CollectUntilSyncAsync());
        }

        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "b");

        // XEP-0160 §2 / RFC 6121 §8.5.2.2: a negative priority resource never gets messages for the bare JID.
        await bob.SendAsync("<presence><priority>-1</priority></presence>");
        Assert.DoesNotContain(await bob.CollectUntilSyncAsync(), e => e.Name == "message");

        // Still stored: it arrives once the resource may receive it.
        await bob.SendAsync("<presence><priority>0</priority></presence>");
        var message = await bob.ExpectAsync(e => e.Name == "message", "the stored message");
        Assert.Equal("neg1", message.Id);
    }

    [Fact]
    public async Task MessageBeyondOfflineLimit_Bounces_WithResourceConstraint()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Xmpp:Offline:MaxMessagesPerUser"] = "2" });
        var aliceJid = await server.CreateUserAsync("alice");
        var bobJid = await server.CreateUserAsync("bob");

        await using (var alice = await XmppTestClient.LoginAsync(server, aliceJid, resource: "a"))
        {
            await alice.SendAsync("<message to='bob@localhost' type='chat' id='l1'><body>1</body></message>");
            await alice.SendAsync("<message to='bob@localhost' type='chat' id='l2'><body>2</body></message>");
            await alice.SendAsync("<message to='bob@localhost' type='chat' id='l3'><body>3</body></message>");

            var bounce = Assert.Single(await alice.CollectUntilSyncAsync());
            Assert.Equal("message", bounce.Name);
            Assert.Equal("error", bounce.Type);
            Assert.Equal("l3", bounce.Id);
            Assert.Equal("bob@localhost", bounce.From);
            var error = bounce.Element("error", Namespaces.Client);
            Assert.NotNull(error);
            Assert.Equal("wait", error!.Type);
            Assert.NotNull(error.Element("resource-constraint", Namespaces.Stanzas));
        }

        await using var bob = await XmppTestClient.LoginAsync(server, bobJid, resource: "b");
        await bob.SendAsync("<presence/>");
        var messages = (await bob.CollectUntilSyncAsync()).Where(e => e.Name == "message").ToList();
        Assert.Equal(["l1", "l2"], messages.Select(m => m.Id));
    }

    [Fact]
    public async Task StoredMessage_SurvivesServerRestart()
    {
        await using var first = await TestServer.StartAsync();
        var aliceJid = await first.CreateUserAsync("alice");
        var bobJid = await first.CreateUserAsync("bob");
        await using (var alice = await XmppTestClient.LoginAsync(first, aliceJid, resource: "a"))
        {
            await alice.SendAsync("<message to='bob@localhost' type='chat' id='r1'><body>see you after the restart</body></message>");
            Assert.Empty(await alice.CollectUntilSyncAsync());
        }

        await first.StopAsync();
        await using var second = await TestServer.StartAsync(dataDirectory: first.DataDirectory);

        await using var bob = await XmppTestClient.LoginAsync(second, bobJid, resource: "b");
        await bob.SendAsync("<presence/>");
        var message = await bob.ExpectAsync(e => e.Name == "message", "the message stored before the restart");
        Assert.Equal("r1", message.Id);
        Assert.Equal("see you after the restart", message.ElementText("body", Namespaces.Client));
        Assert.Single(message.Elements("delay", Namespaces.Delay));
    }

    private static async Task<List<XmppElement>> ReceiveMessagesAsync(XmppTestClient client, int count)
    {
        var messages = new List<XmppElement>(count);
        for (var i = 0; i < count; i++)
        {
            messages.Add(await client.ExpectAsync(e => e.Name == "message", $"message {i + 1}"));
        }

        return messages;
    }
}
