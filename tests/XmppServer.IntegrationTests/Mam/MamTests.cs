using Microsoft.Extensions.DependencyInjection;
using XmppServer.Core.Accounts;
using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Modules.Mam;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.Mam;

/// <summary>XEP-0313 archives with XEP-0359 stanza-ids and XEP-0059 paging, between real clients.</summary>
public sealed class MamTests : AliceAndBobTests
{
    private const string Mam = "urn:xmpp:mam:2";
    private const string Sid = "urn:xmpp:sid:0";
    private const string Rsm = "http://jabber.org/protocol/rsm";

    [Fact]
    public async Task Chat_ArchivedForBoth_RecipientGetsStanzaIdOfItsArchive_ForgedOneRemoved()
    {
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "a");
        await using var bob = await XmppTestClient.LoginAvailableAsync(Server, Bob, resource: "b");

        await alice.SendAsync(
            "<message to='bob@localhost' type='chat' id='m1'><body>hello bob</body>"
            + "<stanza-id xmlns='urn:xmpp:sid:0' id='forged' by='bob@localhost'/></message>");
        var delivered = await bob.ExpectAsync(e => e.Name == "message" && e.Id == "m1", "alice's message");

        var stanzaId = Assert.Single(delivered.Elements("stanza-id", Sid));
        Assert.Equal("bob@localhost", stanzaId.GetAttribute("by"));
        Assert.NotEqual("forged", stanzaId.GetAttribute("id"));

        var (bobResults, bobFin) = await QueryAsync(bob, "<query xmlns='urn:xmpp:mam:2' queryid='q1'/>");
        var result = Assert.Single(bobResults).Element("result", Mam)!;
        Assert.Equal("q1", result.GetAttribute("queryid"));
        Assert.Equal(stanzaId.GetAttribute("id"), result.GetAttribute("id"));
        Assert.Equal("true", bobFin.GetAttribute("complete"));

        var (aliceResults, _) = await QueryAsync(alice, "<query xmlns='urn:xmpp:mam:2'/>");
        var forwarded = Assert.Single(aliceResults).Element("result", Mam)!.Element("forwarded", "urn:xmpp:forward:0")!;
        var original = forwarded.Element("message", Namespaces.Client)!;
        Assert.Equal("hello bob", original.ElementText("body", Namespaces.Client));
        Assert.Equal("alice@localhost/a", original.From);
        Assert.NotNull(forwarded.Element("delay", Namespaces.Delay)?.GetAttribute("stamp"));
        Assert.Null(original.Element("stanza-id", Sid));
    }

    [Fact]
    public async Task Chat_AcknowledgedToTheSender_IsInBothArchivesAlready()
    {
        // The sender's archive write runs beside the delivery; the XEP-0198 <a/> must still wait for it.
        const int count = 20;
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "a");
        await using var bob = await XmppTestClient.LoginAvailableAsync(Server, Bob, resource: "b");
        await alice.EnableStreamManagementAsync();

        for (var i = 1; i <= count; i++)
        {
            await alice.SendAsync($"<message to='bob@localhost' type='chat' id='k{i}'><body>kept {i}</body></message>");
        }

        await alice.SendAsync($"<r xmlns='{Namespaces.StreamManagement}'/>");
        var ack = await alice.ExpectAsync(e => e.Is("a", Namespaces.StreamManagement), "<a/>");
        Assert.Equal(count.ToString(System.Globalization.CultureInfo.InvariantCulture), ack.GetAttribute("h"));

        var store = Server.Services.GetRequiredService<IArchiveStore>();
        var all = new ArchiveQuery { Max = 100 };
        Assert.Equal(count, (await store.QueryAsync(Alice, all, default))!.Messages.Count);
        Assert.Equal(count, (await store.QueryAsync(Bob, all, default))!.Messages.Count);
    }

    [Fact]
    public async Task Chat_WhileTheArchiveCannotCommit_ReachesTheRecipientAtOnce_AndIsAcknowledgedAfterTheCommit()
    {
        // The recipient's archive entry commits beside the delivery: an online recipient does not wait for the disk,
        // the sender's XEP-0198 <a/> does.
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "a");
        await using var bob = await XmppTestClient.LoginAvailableAsync(Server, Bob, resource: "b");
        await alice.EnableStreamManagementAsync();

        // Another process holds the database's write lock, so no archive write can commit.
        await using var holder = await DatabaseWriteLock.TakeAsync(Server.DataDirectory);

        await alice.SendAsync("<message to='bob@localhost' type='chat' id='w1'><body>while the disk is busy</body></message>");
        var delivered = await bob.ExpectAsync(e => e.Id == "w1", "the message, before its archive entry commits");
        var stanzaId = delivered.Element("stanza-id", Sid)?.GetAttribute("id");
        Assert.NotNull(stanzaId);

        // The message is not handled until its entries commit, so nothing acknowledges it yet.
        await alice.SendAsync($"<r xmlns='{Namespaces.StreamManagement}'/>");
        var acknowledged = alice.ExpectAsync(e => e.Is("a", Namespaces.StreamManagement), "the <a/> after the commit");
        await Task.Delay(500);
        Assert.False(acknowledged.IsCompleted);

        await holder.ReleaseAsync();

        var ack = await acknowledged;
        Assert.Equal("1", ack.GetAttribute("h"));
        var (results, _) = await QueryAsync(bob, "<query xmlns='urn:xmpp:mam:2'/>");
        Assert.Equal(stanzaId, Assert.Single(results).Element("result", Mam)!.GetAttribute("id"));
    }

    [Fact]
    public async Task ReceivedCarbon_CarriesTheSameStanzaIdAsTheDeliveredMessage()
    {
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "a");
        await using var phone = await XmppTestClient.LoginAsync(Server, Bob, resource: "phone");
        await using var laptop = await XmppTestClient.LoginAsync(Server, Bob, resource: "laptop");
        await laptop.SendAsync("<iq type='set' id='c1'><enable xmlns='urn:xmpp:carbons:2'/></iq>");
        await laptop.ExpectAsync(e => e.Id == "c1", "carbons enabled");
        await phone.SendInitialPresenceAsync(priority: 5);
        await laptop.SendInitialPresenceAsync(priority: 1);

        await alice.SendAsync("<message to='bob@localhost' type='chat' id='cc'><body>to the phone</body></message>");
        var delivered = await phone.ExpectAsync(e => e.Id == "cc", "the message at the phone");
        var carbon = await laptop.ExpectAsync(e => e.Element("received", "urn:xmpp:carbons:2") is not null, "the received carbon");

        var copied = carbon.Element("received", "urn:xmpp:carbons:2")!.Element("forwarded", "urn:xmpp:forward:0")!.Element("message", Namespaces.Client)!;
        Assert.Equal(delivered.Element("stanza-id", Sid)?.GetAttribute("id"), copied.Element("stanza-id", Sid)?.GetAttribute("id"));
        Assert.NotNull(copied.Element("stanza-id", Sid));
    }

    [Fact]
    public async Task OfflineMessage_DeliveredLater_CarriesTheStanzaIdOfItsArchiveCopy()
    {
        await using (var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "a"))
        {
            await alice.SendAsync("<message to='bob@localhost' type='chat' id='off1'><body>while you were away</body></message>");
            await alice.SyncAsync();
        }

        await using var bob = await XmppTestClient.LoginAsync(Server, Bob, resource: "b");
        await bob.SendAsync("<presence/>");
        var delivered = await bob.ExpectAsync(e => e.Name == "message" && e.Id == "off1", "the offline message");
        var stanzaId = delivered.Element("stanza-id", Sid);
        Assert.NotNull(stanzaId);

        var (results, _) = await QueryAsync(bob, "<query xmlns='urn:xmpp:mam:2'/>");

        Assert.Equal(stanzaId.GetAttribute("id"), Assert.Single(results).Element("result", Mam)!.GetAttribute("id"));
    }

    [Fact]
    public async Task Paging_LastPageThenBackwards_FlippedAndComplete()
    {
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "a");
        await using var bob = await XmppTestClient.LoginAvailableAsync(Server, Bob, resource: "b");
        for (var i = 0; i < 5; i++)
        {
            await alice.SendAsync($"<message to='bob@localhost/b' type='chat'><body>{i}</body></message>");
        }

        await alice.SyncAsync();

        var (last, lastFin) = await QueryAsync(alice, "<query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><max>2</max><before/></set></query>");
        Assert.Equal(["3", "4"], Bodies(last));
        Assert.Equal("false", lastFin.GetAttribute("complete"));
        var set = lastFin.Element("set", Rsm)!;
        Assert.Equal("5", set.ElementText("count", Rsm));
        Assert.Equal("3", set.Element("first", Rsm)!.GetAttribute("index"));

        var first = set.ElementText("first", Rsm);
        var (earlier, earlierFin) = await QueryAsync(
            alice, $"<query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><max>3</max><before>{first}</before></set><flip-page/></query>");
        Assert.Equal(["2", "1", "0"], Bodies(earlier));
        Assert.Equal("true", earlierFin.GetAttribute("complete"));

        await alice.SendAsync("<iq type='set' id='bad'><query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><after>no-such-id</after></set></query></iq>");
        var error = await alice.ExpectAsync(e => e.Id == "bad", "the item-not-found error");
        Assert.Equal("error", error.Type);
        Assert.Equal(StanzaErrorCondition.ItemNotFound, XmppErrors.ReadCondition(error));
    }

    [Fact]
    public async Task Disco_AccountAdvertisesMam_ServerAdvertisesStanzaIds()
    {
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "a");

        await alice.SendAsync("<iq type='get' id='d1' to='alice@localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
        var account = Features(await alice.ExpectAsync(e => e.Id == "d1", "account disco#info"));
        await alice.SendAsync("<iq type='get' id='d2' to='localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
        var server = Features(await alice.ExpectAsync(e => e.Id == "d2", "server disco#info"));

        Assert.Contains(Mam, account);
        Assert.Contains(Mam + "#extended", account);
        Assert.Contains(Sid, account);
        Assert.Contains(Sid, server);
    }

    [Fact]
    public async Task Metadata_AndPrefsNever_StopArchiving()
    {
        await using var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "a");
        await using var bob = await XmppTestClient.LoginAvailableAsync(Server, Bob, resource: "b");
        await alice.SendAsync("<message to='bob@localhost/b' type='chat' id='k'><body>kept</body></message>");
        await bob.ExpectAsync(e => e.Id == "k", "the kept message");

        await bob.SendAsync("<iq type='set' id='p1'><prefs xmlns='urn:xmpp:mam:2' default='never'/></iq>");
        var prefs = await bob.ExpectAsync(e => e.Id == "p1", "the prefs result");
        Assert.Equal("never", prefs.Element("prefs", Mam)?.GetAttribute("default"));
        await alice.SendAsync("<message to='bob@localhost/b' type='chat' id='n'><body>not kept</body></message>");
        var unarchived = await bob.ExpectAsync(e => e.Id == "n", "the unarchived message");
        Assert.Null(unarchived.Element("stanza-id", Sid));

        await bob.SendAsync("<iq type='get' id='md'><metadata xmlns='urn:xmpp:mam:2'/></iq>");
        var metadata = (await bob.ExpectAsync(e => e.Id == "md", "the metadata")).Element("metadata", Mam)!;
        var (results, _) = await QueryAsync(bob, "<query xmlns='urn:xmpp:mam:2'/>");
        var only = Assert.Single(results).Element("result", Mam)!.GetAttribute("id");
        Assert.Equal(only, metadata.Element("start", Mam)?.GetAttribute("id"));
        Assert.Equal(only, metadata.Element("end", Mam)?.GetAttribute("id"));
    }

    [Fact]
    public async Task UserDeleted_ArchiveGone()
    {
        await using (var alice = await XmppTestClient.LoginAsync(Server, Alice, resource: "a"))
        {
            await alice.SendAsync("<message to='bob@localhost' type='chat'><body>for the archive</body></message>");
            await alice.SyncAsync();
        }

        var store = Server.Services.GetRequiredService<IArchiveStore>();
        Assert.Single((await store.QueryAsync(Bob, new ArchiveQuery(), default))!.Messages);

        await Server.Services.GetRequiredService<AccountManager>().DeleteAsync(Bob, default);

        Assert.Empty((await store.QueryAsync(Bob, new ArchiveQuery(), default))!.Messages);
        Assert.Single((await store.QueryAsync(Alice, new ArchiveQuery(), default))!.Messages);
    }

    /// <summary>Sends a query and collects the result messages up to its IQ result.</summary>
    private static async Task<(List<XmppElement> Results, XmppElement Fin)> QueryAsync(XmppTestClient client, string query)
    {
        var id = "mam-" + Guid.NewGuid().ToString("N");
        await client.SendAsync($"<iq type='set' id='{id}'>{query}</iq>");
        var results = new List<XmppElement>();
        while (true)
        {
            var element = await client.ExpectAsync(e => e.Id == id || e.Element("result", Mam) is not null, "archive results");
            if (element.Id == id)
            {
                Assert.Equal("result", element.Type);
                return (results, element.Element("fin", Mam)!);
            }

            results.Add(element);
        }
    }

    private static List<string?> Bodies(List<XmppElement> results)
        => results.Select(r => r.Element("result", Mam)?.Element("forwarded", "urn:xmpp:forward:0")?.Element("message", Namespaces.Client)?.ElementText("body", Namespaces.Client)).ToList();

    private static List<string?> Features(XmppElement result)
        => result.Element("query", Namespaces.DiscoInfo)!.Elements("feature", Namespaces.DiscoInfo).Select(f => f.GetAttribute("var")).ToList();
}
