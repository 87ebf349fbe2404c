using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.Im;

/// <summary>Xmpp:Roster:MaxSubscriptionRequestsPerMinute stops an account from sending subscription requests in bulk.</summary>
public sealed class SubscriptionSpamTests : AliceAndBobTests
{
    private const int Limit = 3;

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["Xmpp:Roster:MaxSubscriptionRequestsPerMinute"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    [Fact]
    public async Task SubscribeRequests_OverThePerMinuteLimit_BounceWithPolicyViolationWait_AndReachNoOne()
    {
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "a");
        await using var bob = await XmppTestClient.LoginAvailableAsync(Server, Bob, resource: "b");
        await alice.SendInitialPresenceAsync();

        // Within the limit: requests to strangers go out as usual.
        for (var i = 0; i < Limit; i++)
        {
            await alice.SendAsync($"<presence to='stranger{i}@localhost' type='subscribe' id='s{i}'/>");
        }

        await alice.SyncAsync();

        // One too many: RFC 6120 §8.3.3.12 policy-violation, type wait, to the sender; bob never hears of it.
        await alice.SendAsync("<presence to='bob@localhost' type='subscribe' id='spam'/>");
        var error = await alice.ExpectAsync(e => e.Name == "presence" && e.Id == "spam", "the bounced request");
        Assert.Equal("error", error.Type);
        Assert.Equal("bob@localhost", error.From);
        var condition = error.Element("error", Namespaces.Client)!;
        Assert.Equal("wait", condition.GetAttribute("type"));
        Assert.NotNull(condition.Element("policy-violation", Namespaces.Stanzas));

        var bobSaw = await bob.CollectUntilSyncAsync();
        Assert.DoesNotContain(bobSaw, e => e.Name == "presence" && e.Type == "subscribe");

        // Nor did the refused request change alice's roster (RFC 6121 §3.1.2 would have added a pending item).
        await alice.SendAsync("<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>");
        var roster = await alice.ExpectAsync(e => e.Name == "iq" && e.Id == "r1", "the roster");
        var items = roster.Element("query", Namespaces.Roster)!.Elements().Select(i => i.GetAttribute("jid")).ToList();
        Assert.DoesNotContain("bob@localhost", items);
        Assert.Equal(Limit, items.Count);

        // Other subscription stanzas are not limited: alice can still approve or cancel.
        await alice.SendAsync("<presence to='stranger0@localhost' type='unsubscribe' id='u0'/>");
        var unsubscribe = await alice.CollectUntilSyncAsync();
        Assert.DoesNotContain(unsubscribe, e => e.Type == "error");
    }
}
