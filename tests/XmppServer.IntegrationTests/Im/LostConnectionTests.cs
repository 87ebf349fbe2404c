using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.Im;

/// <summary>Messages for a client whose connection dropped without a closing stream tag are not lost.</summary>
public sealed class LostConnectionTests : AliceAndBobTests
{
    [Fact]
    public async Task ConnectionReset_OfAnIdleSession_EndsItWithoutWaitingOutTheCloseTimeout()
    {
        // The write loop waits on the session's queue with no cancellation token; the teardown has to wake it. Were
        // it not woken, the teardown would wait the whole close timeout before the session ends.
        await using var alice = await XmppTestClient.LoginAvailableAsync(Server, Alice, resource: "a");
        await using var bob = await XmppTestClient.LoginAvailableAsync(Server, Bob, resource: "b");
        await LetAliceSeeBobGoAsync(alice, bob);

        var started = System.Diagnostics.Stopwatch.StartNew();
        await ResetBobAsync(alice, bob);

        Assert.True(started.Elapsed < Core.Connections.C2sConnection.CloseTimeout, $"the session ended after {started.Elapsed}");
    }

    [Fact]
    public async Task MessagesToFullJid_AfterRecipientConnectionReset_AreStoredAndDeliveredAtNextLogin()
    {
        await using var alice = await XmppTestClient.LoginAvailableAsync(Server, Alice, resource: "a");
        await using var bob = await XmppTestClient.LoginAvailableAsync(Server, Bob, resource: "b");
        await LetAliceSeeBobGoAsync(alice, bob);
        await ResetBobAsync(alice, bob);

        // RFC 6121 §8.5.3.2.1: a chat or normal message to the full JID of a resource that is not available is
        // treated as addressed to the bare JID, which has no available resource: offline storage (XEP-0160).
        await alice.SendAsync("<message to='bob@localhost/b' type='chat' id='lost1'><body>one</body></message>");
        await alice.SendAsync("<message to='bob@localhost/b' id='lost2'><body>two</body></message>");
        await alice.SendAsync("<message to='bob@localhost' type='chat' id='lost3'><body>three</body></message>");
        Assert.DoesNotContain(await alice.CollectUntilSyncAsync(), e => e.Name == "message");

        await using var again = await XmppTestClient.LoginAsync(Server, Bob, resource: "b");
        await again.SendAsync("<presence/>");
        var messages = new List<XmppElement>();
        for (var i = 0; i < 3; i++)
        {
            messages.Add(await again.ExpectAsync(e => e.Name == "message", $"stored message {i + 1}"));
        }

        Assert.Equal(["lost1", "lost2", "lost3"], messages.Select(m => m.Id));
        Assert.All(messages, m => Assert.Single(m.Elements("delay", Namespaces.Delay)));
        Assert.All(messages, m => Assert.Equal("alice@localhost/a", m.From));
    }

    /// <summary>
    /// Directed presence (RFC 6121 §4.6): alice will be told when bob's session is gone, so a test knows when the
    /// server has noticed a reset instead of guessing with a delay.
    /// </summary>
    private static async Task LetAliceSeeBobGoAsync(XmppTestClient alice, XmppTestClient bob)
    {
        await bob.SendAsync("<presence to='alice@localhost/a'/>");
        await alice.ExpectAsync(e => e.Name == "presence" && e.From == "bob@localhost/b" && e.Type is null, "bob's directed presence");
    }

    /// <summary>Bob's TCP connection is reset, with no closing tag; returns once the server has ended his session.</summary>
    private static async Task ResetBobAsync(XmppTestClient alice, XmppTestClient bob)
    {
        await bob.AbortAsync();
        await alice.ExpectAsync(e => e.Name == "presence" && e.From == "bob@localhost/b" && e.Type == "unavailable", "bob's unavailable presence");
    }
}
