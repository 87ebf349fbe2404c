using System.Text;
using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.Transport;

/// <summary>How stanzas are cut into TCP writes must not matter (RFC 6120 §4.2: the stream is one XML document).</summary>
public sealed class PipeliningTests : AliceAndBobTests
{
    [Fact]
    public async Task MixedStanzasInOneWrite_AreAllProcessed_InOrder()
    {
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "a");
        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "b");

        await alice.SendAsync(
            "<message to='bob@localhost/b' type='chat' id='m1'><body>first</body></message>"
            + "<iq type='get' id='i1' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>"
            + "<presence><status>here</status></presence>"
            + "<message to='alice@localhost/a' type='chat' id='m2'><body>note to self</body></message>"
            + "<iq type='get' id='i2' to='localhost'><query xmlns='jabber:iq:version'/></iq>"
            + "<message to='bob@localhost/b' type='chat' id='m3'><body>last</body></message>");

        // Everything alice gets back is queued in the order her stanzas were processed: nothing else, nothing missing.
        var atAlice = await alice.CollectUntilSyncAsync();
        Assert.Equal(["iq:i1", "presence:", "message:m2", "iq:i2"], atAlice.Select(e => $"{e.Name}:{e.Id}"));
        Assert.Equal("result", atAlice[0].Type);
        Assert.Equal("here", atAlice[1].ElementText("status", Namespaces.Client));
        Assert.Equal("result", atAlice[3].Type);

        var first = await bob.ExpectAsync(e => e.Name == "message", "the first message");
        var last = await bob.ExpectAsync(e => e.Name == "message", "the last message");
        Assert.Equal("m1", first.Id);
        Assert.Equal("m3", last.Id);
    }

    [Fact]
    public async Task StanzaWrittenOneByteAtATime_IsProcessed()
    {
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "a");
        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "b");

        // Multi-byte UTF-8 characters and an entity are split across writes too.
        const string Body = "héllo ✓ 😀 &amp; bye";
        var bytes = Encoding.UTF8.GetBytes($"<message to='bob@localhost/b' type='chat' id='slow1'><body>{Body}</body></message>");
        foreach (var b in bytes)
        {
            await alice.SendBytesAsync([b]);
        }

        var message = await bob.ExpectAsync(e => e.Name == "message", "the slowly written message");
        Assert.Equal("slow1", message.Id);
        Assert.Equal("héllo ✓ 😀 & bye", message.ElementText("body", Namespaces.Client));

        // The stream is still in step afterwards.
        await alice.SyncAsync();
    }
}
