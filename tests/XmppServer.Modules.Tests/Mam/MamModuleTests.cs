using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using XmppServer.Core.Events;
using XmppServer.Core.Modules;
using XmppServer.Core.Routing;
using XmppServer.Modules.Mam;
using XmppServer.Modules.Roster;
using XmppServer.Modules.Tests.Roster;
using XmppServer.Modules.Tests.Testing;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Mam;

public sealed class MamModuleTests
{
    private const string Mam = "urn:xmpp:mam:2";
    private const string Sid = "urn:xmpp:sid:0";
    private const string Rsm = "http://jabber.org/protocol/rsm";
    private const string Forward = "urn:xmpp:forward:0";

    private static readonly Jid Juliet = Jid.Parse("juliet@capulet.lit");
    private static readonly Jid Romeo = Jid.Parse("romeo@montague.lit");
    private static readonly DateTimeOffset Start = new(2024, 3, 9, 21, 0, 0, TimeSpan.Zero);

    private readonly InMemoryArchiveStore _store = new();
    private readonly InMemoryRosterStore _roster = new();
    private readonly ManualTimeProvider _time = new(Start);
    private readonly MamOptions _options = new() { DefaultPageSize = 50, MaxPageSize = 250 };

    [Fact]
    public void Configure_Always_AdvertisesMamOnAccountsAndStanzaIdOnBoth()
    {
        var host = CreateHost();

        var account = host.Registry.Features(DiscoScope.Account).ToList();
        Assert.Contains(Mam, account);
        Assert.Contains(Mam + "#extended", account);
        Assert.Contains(Sid, account);
        Assert.Contains(Sid, host.Registry.Features(DiscoScope.Server));
        Assert.DoesNotContain(Mam, host.Registry.Features(DiscoScope.Server));
    }

    [Fact]
    public async Task Outbound_ChatWithBody_ArchivedForSenderWithoutStanzaId()
    {
        var host = CreateHost();
        var juliet = host.Sessions.Add("juliet@capulet.lit/balcony");
        var message = Chat("juliet@capulet.lit/balcony", "romeo@montague.lit", "hello");

        var handled = await host.RunHooksAsync(StanzaDirection.Outbound, message, juliet);

        Assert.False(handled);
        var entry = Assert.Single(_store.Archive(Juliet));
        Assert.Equal(Romeo, entry.Peer);
        Assert.Equal(Start, entry.Stamp);
        Assert.Equal("hello", entry.Stanza.ElementText("body", Namespaces.Client));
        Assert.Null(message.Element("stanza-id", Sid));
    }

    [Fact]
    public async Task Inbound_ChatWithBody_ArchivedForRecipientAndStanzaIdStamped()
    {
        var host = CreateHost();
        var message = Chat("romeo@montague.lit/orchard", "juliet@capulet.lit", "hello");

        var handled = await host.RunHooksAsync(StanzaDirection.Inbound, message, origin: null);

        Assert.False(handled);
        var entry = Assert.Single(_store.Archive(Juliet));
        Assert.Equal(Jid.Parse("romeo@montague.lit/orchard"), entry.Peer);
        var stanzaId = Assert.Single(message.Elements("stanza-id", Sid));
        Assert.Equal(entry.Id, stanzaId.GetAttribute("id"));
        Assert.Equal("juliet@capulet.lit", stanzaId.GetAttribute("by"));
        Assert.Null(entry.Stanza.Element("stanza-id", Sid));
    }

    [Fact]
    public async Task Inbound_ArchiveWriteFails_DeliveredWithoutStanzaId()
    {
        // Not from a local client, so nothing acknowledges it later: the id is stamped only on a committed entry.
        var host = CreateHost();
        _store.FailAppends = true;
        var message = Chat("romeo@montague.lit/orchard", "juliet@capulet.lit", "hello");

        var handled = await host.RunHooksAsync(StanzaDirection.Inbound, message, origin: null);

        Assert.False(handled);
        Assert.Null(message.Element("stanza-id", Sid));
        Assert.Empty(_store.Archive(Juliet));
    }

    [Fact]
    public async Task Inbound_ForgedStanzaIdOfRecipient_RemovedOthersKept()
    {
        var host = CreateHost();
        var message = Chat("romeo@montague.lit/orchard", "juliet@capulet.lit/balcony", "hello");
        message.Add(StanzaId("forged", "juliet@capulet.lit"));
        message.Add(StanzaId("theirs", "romeo@montague.lit"));

        await host.RunHooksAsync(StanzaDirection.Inbound, message, origin: null);

        var ids = message.Elements("stanza-id", Sid).ToList();
        Assert.Equal(2, ids.Count);
        Assert.Contains(ids, e => e.GetAttribute("id") == "theirs");
        Assert.DoesNotContain(ids, e => e.GetAttribute("id") == "forged");
        Assert.Equal(Assert.Single(_store.Archive(Juliet)).Id, ids.Single(e => e.GetAttribute("by") == "juliet@capulet.lit").GetAttribute("id"));
    }

    [Fact]
    public async Task Inbound_ForgedStanzaIdOnUnarchivedMessage_StillRemoved()
    {
        var host = CreateHost();
        var message = Message("romeo@montague.lit/orchard", "juliet@capulet.lit", "chat", new XmppElement("active", "http://jabber.org/protocol/chatstates"));
        message.Add(StanzaId("forged", "juliet@capulet.lit"));

        await host.RunHooksAsync(StanzaDirection.Inbound, message, origin: null);

        Assert.Null(message.Element("stanza-id", Sid));
        Assert.Empty(_store.Archive(Juliet));
    }

    [Fact]
    public async Task Outbound_ForgedStanzaIdOfSender_Removed()
    {
        var host = CreateHost();
        var juliet = host.Sessions.Add("juliet@capulet.lit/balcony");
        var message = Chat("juliet@capulet.lit/balcony", "romeo@montague.lit", "hello");
        message.Add(StanzaId("forged", "juliet@capulet.lit"));

        await host.RunHooksAsync(StanzaDirection.Outbound, message, juliet);

        Assert.Null(message.Element("stanza-id", Sid));
    }

    [Fact]
    public async Task Outbound_StanzaIdByRecipient_LeftForTheRecipientsServerButNotArchived()
    {
        var host = CreateHost();
        var juliet = host.Sessions.Add("juliet@capulet.lit/balcony");
        var message = Chat("juliet@capulet.lit/balcony", "romeo@montague.lit/orchard", "hello");
        message.Add(StanzaId("made-up", "romeo@montague.lit"));

        await host.RunHooksAsync(StanzaDirection.Outbound, message, juliet);

        Assert.NotNull(message.Element("stanza-id", Sid));
        Assert.Null(Assert.Single(_store.Archive(Juliet)).Stanza.Element("stanza-id", Sid));
    }

    public static TheoryData<string, string?> NotArchived => new()
    {
        { "chat state only", "chat" },
        { "error", "error" },
        { "groupchat", "groupchat" },
        { "headline", "headline" },
        { "no-store", "chat" },
        { "no-permanent-store", "chat" },
    };

    [Theory]
    [MemberData(nameof(NotArchived))]
    public async Task Inbound_NotArchivable_NotArchivedNoStanzaId(string kind, string? type)
    {
        var host = CreateHost();
        var message = kind == "chat state only"
            ? Message("romeo@montague.lit/orchard", "juliet@capulet.lit", type, new XmppElement("composing", "http://jabber.org/protocol/chatstates"))
            : Chat("romeo@montague.lit/orchard", "juliet@capulet.lit", "hi", type);
        if (kind.StartsWith("no-", StringComparison.Ordinal))
        {
            message.AddElement(kind, "urn:xmpp:hints");
        }

        await host.RunHooksAsync(StanzaDirection.Inbound, message, origin: null);

        Assert.Empty(_store.Archive(Juliet));
        Assert.Null(message.Element("stanza-id", Sid));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("normal")]
    public async Task Inbound_NormalWithBody_Archived(string? type)
    {
        var host = CreateHost();

        await host.RunHooksAsync(StanzaDirection.Inbound, Chat("romeo@montague.lit/orchard", "juliet@capulet.lit", "hi", type), origin: null);

        Assert.Single(_store.Archive(Juliet));
    }

    [Fact]
    public async Task Inbound_StoreHintWithoutBody_Archived()
    {
        var host = CreateHost();
        var message = Message("romeo@montague.lit/orchard", "juliet@capulet.lit", "chat", new XmppElement("store", "urn:xmpp:hints"));

        await host.RunHooksAsync(StanzaDirection.Inbound, message, origin: null);

        Assert.Single(_store.Archive(Juliet));
    }

    [Fact]
    public async Task MessageToSelf_ArchivedOnceOnArrival()
    {
        var host = CreateHost();
        var juliet = host.Sessions.Add("juliet@capulet.lit/balcony");
        var message = Chat("juliet@capulet.lit/balcony", "juliet@capulet.lit", "note to self");

        await host.RunHooksAsync(StanzaDirection.Outbound, message, juliet);
        await host.RunHooksAsync(StanzaDirection.Inbound, message, juliet);

        var entry = Assert.Single(_store.Archive(Juliet));
        Assert.Equal(entry.Id, message.Element("stanza-id", Sid)?.GetAttribute("id"));
    }

    [Fact]
    public async Task Query_NoForm_SendsResultsThenFinCompleteWithCount()
    {
        var host = CreateHost();
        var juliet = host.Sessions.Add("juliet@capulet.lit/balcony");
        await ReceiveAsync(host, 3);

        var result = await QueryAsync(host, juliet, "<query xmlns='urn:xmpp:mam:2' queryid='f27'/>");

        var sent = juliet.TakeSent();
        Assert.Equal(3, sent.Count);
        var archive = _store.Archive(Juliet);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("juliet@capulet.lit/balcony", sent[i].To);
            Assert.Equal("juliet@capulet.lit", sent[i].From);
            var item = sent[i].Element("result", Mam)!;
            Assert.Equal("f27", item.GetAttribute("queryid"));
            Assert.Equal(archive[i].Id, item.GetAttribute("id"));
            var forwarded = item.Element("forwarded", Forward)!;
            Assert.Equal(MamModule.FormatStamp(archive[i].Stamp), forwarded.Element("delay", Namespaces.Delay)?.GetAttribute("stamp"));
            Assert.Equal("m" + i, forwarded.Element("message", Namespaces.Client)?.ElementText("body", Namespaces.Client));
        }

        var fin = Fin(result);
        Assert.Equal("true", fin.GetAttribute("complete"));
        var set = fin.Element("set", Rsm)!;
        Assert.Equal(archive[0].Id, set.ElementText("first", Rsm));
        Assert.Equal("0", set.Element("first", Rsm)!.GetAttribute("index"));
        Assert.Equal(archive[2].Id, set.ElementText("last", Rsm));
        Assert.Equal("3", set.ElementText("count", Rsm));
    }

    [Fact]
    public async Task Query_EmptyArchive_FinCompleteWithoutFirstAndLast()
    {
        var host = CreateHost();
        var juliet = host.Sessions.Add("juliet@capulet.lit/balcony");

        var fin = Fin(await QueryAsync(host, juliet, "<query xmlns='urn:xmpp:mam:2'/>"));

        Assert.Empty(juliet.TakeSent());
        Assert.Equal("true", fin.GetAttribute("complete"));
        Assert.Null(fin.Element("set", Rsm)!.Element("first", Rsm));
        Assert.Equal("0", fin.Element("set", Rsm)!.ElementText("count", Rsm));
    }

    [Fact]
    public async Task Query_RsmMaxAndAfter_PagesForward()
    {
        var host = CreateHost();
        var juliet = host.Sessions.Add("juliet@capulet.lit/balcony");
        await ReceiveAsync(host, 5);
        var archive = _store.Archive(Juliet);

        var first = Fin(await QueryAsync(host, juliet, "<query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><max>2</max></set></query>"));
        Assert.Equal(["m0", "m1"], Bodies(juliet.TakeSent()));
        Assert.Equal("false", first.GetAttribute("complete"));

        var last = first.Element("set", Rsm)!.ElementText("last", Rsm);
        var second = Fin(await QueryAsync(host, juliet, $"<query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><max>2</max><after>{last}</after></set></query>"));
        Assert.Equal(["m2", "m3"], Bodies(juliet.TakeSent()));
        Assert.Equal("2", second.Element("set", Rsm)!.Element("first", Rsm)!.GetAttribute("index"));

        var third = Fin(await QueryAsync(host, juliet, $"<query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><max>2</max><after>{archive[3].Id}</after></set></query>"));
        Assert.Equal(["m4"], Bodies(juliet.TakeSent()));
        Assert.Equal("true", third.GetAttribute("complete"));
    }

    [Fact]
    public async Task Query_EmptyBefore_LastPageBackwardsWithIndex()
    {
        var host = CreateHost();
        var juliet = host.Sessions.Add("juliet@capulet.lit/balcony");
        await ReceiveAsync(host, 5);

        var fin = Fin(await QueryAsync(host, juliet, "<query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><max>2</max><before/></set></query>"));

        Assert.Equal(["m3", "m4"], Bodies(juliet.TakeSent()));
        Assert.Equal("false", fin.GetAttribute("complete"));
        Assert.Equal("3", fin.Element("set", Rsm)!.Element("first", Rsm)!.GetAttribute("index"));

        var first = fin.Element("set", Rsm)!.ElementText("first", Rsm);
        var previous = Fin(await QueryAsync(host, juliet, $"<query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><max>3</max><before>{first}</before></set></query>"));
        Assert.Equal(["m0", "m1", "m2"], Bodies(juliet.TakeSent()));
        Assert.Equal("true", previous.GetAttribute("complete"));
    }

    [Fact]
    public async Task Query_FlipPage_ReversesTransmissionOnly()
    {
        var host = CreateHost();
        var juliet = host.Sessions.Add("juliet@capulet.lit/balcony");
        await ReceiveAsync(host, 3);
        var archive = _store.Archive(Juliet);

        var fin = Fin(await QueryAsync(host, juliet, "<query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><max>2</max><before/></set><flip-page/></query>"));

        Assert.Equal(["m2", "m1"], Bodies(juliet.TakeSent()));
        Assert.Equal(archive[1].Id, fin.Element("set", Rsm)!.ElementText("first", Rsm));
        Assert.Equal(archive[2].Id, fin.Element("set", Rsm)!.ElementText("last", Rsm));
    }

    [Fact]
    public async Task Query_WithStartEndForm_Filters()
    {
        var host = CreateHost();
        var juliet = host.Sessions.Add("juliet@capulet.lit/balcony");
        await ReceiveAsync(host, 4);
        _time.Advance(TimeSpan.FromMinutes(1));
        await host.RunHooksAsync(StanzaDirection.Inbound, Chat("nurse@capulet.lit/kitchen", "juliet@capulet.lit", "from nurse"), origin: null);

        await QueryAsync(host, juliet, Form(("with", "nurse@capulet.lit")));
        Assert.Equal(["from nurse"], Bodies(juliet.TakeSent()));

        await QueryAsync(host, juliet, Form(("start", "2024-03-09T21:00:01Z"), ("end", "2024-03-09T21:00:02Z")));
        Assert.Equal(["m1", "m2"], Bodies(juliet.TakeSent()));
    }

    [Fact]
    public async Task Query_IdsAndIdBounds_Filter()
    {
        var host = CreateHost();
        var juliet = host.Sessions.Add("juliet@capulet.lit/balcony");
        await ReceiveAsync(host, 5);
        var archive = _store.Archive(Juliet);

        await QueryAsync(host, juliet, Form(("ids", archive[3].Id), ("ids", archive[1].Id)));
        Assert.Equal(["m1", "m3"], Bodies(juliet.TakeSent()));

        await QueryAsync(host, juliet, Form(("after-id", archive[0].Id), ("before-id", archive[3].Id)));
        Assert.Equal(["m1", "m2"], Bodies(juliet.TakeSent()));
    }

    [Theory]
    [InlineData("<query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><after>unknown</after></set></query>", StanzaErrorCondition.ItemNotFound)]
    [InlineData("<query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><before>unknown</before></set></query>", StanzaErrorCondition.ItemNotFound)]
    [InlineData("<query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><index>3</index></set></query>", StanzaErrorCondition.FeatureNotImplemented)]
    [InlineData("<query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><max>-1</max></set></query>", StanzaErrorCondition.BadRequest)]
    [InlineData("<query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>urn:xmpp:mam:1</value></field></x></query>", StanzaErrorCondition.BadRequest)]
    [InlineData("<query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' type='submit'><field var='include-groupchat'><value>true</value></field></x></query>", StanzaErrorCondition.FeatureNotImplemented)]
    [InlineData("<query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' type='submit'><field var='start'><value>yesterday</value></field></x></query>", StanzaErrorCondition.BadRequest)]
    [InlineData("<query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' type='submit'><field var='before-id'><value>unknown</value></field></x></query>", StanzaErrorCondition.ItemNotFound)]
    [InlineData("<query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' type='submit'><field var='ids'><value>unknown</value></field></x></query>", StanzaErrorCondition.ItemNotFound)]
    public async Task Query_Invalid_Error(string query, StanzaErrorCondition condition)
    {
        var host = CreateHost();
        var juliet = host.Sessions.Add("juliet@capulet.lit/balcony");
        await ReceiveAsync(host, 2);

        var result = await QueryAsync(host, juliet, query);

        Assert.Equal(condition, result.Error);
        Assert.Empty(juliet.TakeSent());
    }

    [Fact]
    public async Task Query_MaxAboveLimit_CappedToMaxPageSize()
    {
        _options.MaxPageSize = 2;
        var host = CreateHost();
        var juliet = host.Sessions.Add("juliet@capulet.lit/balcony");
        await ReceiveAsync(host, 3);

        var fin = Fin(await QueryAsync(host, juliet, "<query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><max>1000</max></set></query>"));

        Assert.Equal(2, juliet.TakeSent().Count);
        Assert.Equal("false", fin.GetAttribute("complete"));
    }

    [Fact]
    public async Task Query_AnotherUsersArchive_Forbidden()
    {
        var host = CreateHost();
        var romeo = host.Sessions.Add("romeo@montague.lit/orchard");
        await ReceiveAsync(host, 1);

        var result = await host.InvokeIqAsync(Iq("set", "<query xmlns='urn:xmpp:mam:2'/>"), romeo, Juliet);

        Assert.Equal(StanzaErrorCondition.Forbidden, result?.Error);
        Assert.Empty(romeo.TakeSent());
    }

    [Fact]
    public async Task GetQuery_ReturnsTheFormFields()
    {
        var host = CreateHost();
        var juliet = host.Sessions.Add("juliet@capulet.lit/balcony");

        var result = await host.InvokeIqAsync(Iq("get", "<query xmlns='urn:xmpp:mam:2'/>"), juliet);

        var form = result!.Payload!.Element("x", Namespaces.DataForms)!;
        Assert.Equal("form", form.Type);
        var fields = form.Elements("field", Namespaces.DataForms).ToDictionary(f => f.GetAttribute("var")!, f => f.GetAttribute("type"));
        Assert.Equal("hidden", fields["FORM_TYPE"]);
        Assert.Equal("jid-single", fields["with"]);
        Assert.Equal("text-single", fields["start"]);
        Assert.Equal("text-single", fields["end"]);
        Assert.Equal("text-single", fields["before-id"]);
        Assert.Equal("text-single", fields["after-id"]);
        Assert.Equal("list-multi", fields["ids"]);
        Assert.DoesNotContain(form.Elements("field", Namespaces.DataForms), f => f.Element("required", Namespaces.DataForms) is not null);
    }

    [Fact]
    public async Task Metadata_EmptyThenStartAndEnd()
    {
        var host = CreateHost();
        var juliet = host.Sessions.Add("juliet@capulet.lit/balcony");

        var empty = await host.InvokeIqAsync(Iq("get", "<metadata xmlns='urn:xmpp:mam:2'/>"), juliet);
        Assert.False(empty!.Payload!.HasChildren);

        await ReceiveAsync(host, 3);
        var archive = _store.Archive(Juliet);
        var metadata = (await host.InvokeIqAsync(Iq("get", "<metadata xmlns='urn:xmpp:mam:2'/>"), juliet))!.Payload!;

        Assert.Equal(archive[0].Id, metadata.Element("start", Mam)?.GetAttribute("id"));
        Assert.Equal("2024-03-09T21:00:00.000Z", metadata.Element("start", Mam)?.GetAttribute("timestamp"));
        Assert.Equal(archive[2].Id, metadata.Element("end", Mam)?.GetAttribute("id"));
        Assert.Equal("2024-03-09T21:00:02.000Z", metadata.Element("end", Mam)?.GetAttribute("timestamp"));
    }

    [Fact]
    public async Task Prefs_GetWithoutAny_ServerDefault()
    {
        var host = CreateHost();
        var juliet = host.Sessions.Add("juliet@capulet.lit/balcony");

        var prefs = (await host.InvokeIqAsync(Iq("get", "<prefs xmlns='urn:xmpp:mam:2'/>"), juliet))!.Payload!;

        Assert.Equal("always", prefs.GetAttribute("default"));
        Assert.NotNull(prefs.Element("always", Mam));
        Assert.NotNull(prefs.Element("never", Mam));
    }

    [Fact]
    public async Task Prefs_DefaultNever_NothingArchivedButAlwaysListed()
    {
        var host = CreateHost();
        var juliet = host.Sessions.Add("juliet@capulet.lit/balcony");

        var result = await host.InvokeIqAsync(
            Iq("set", "<prefs xmlns='urn:xmpp:mam:2' default='never'><always><jid>nurse@capulet.lit</jid></always><never/></prefs>"), juliet);
        Assert.Equal("nurse@capulet.lit", result!.Payload!.Element("always", Mam)?.ElementText("jid", Mam));

        await host.RunHooksAsync(StanzaDirection.Inbound, Chat("romeo@montague.lit/orchard", "juliet@capulet.lit", "not kept"), origin: null);
        var fromNurse = Chat("nurse@capulet.lit/kitchen", "juliet@capulet.lit", "kept");
        await host.RunHooksAsync(StanzaDirection.Inbound, fromNurse, origin: null);

        var entry = Assert.Single(_store.Archive(Juliet));
        Assert.Equal("kept", entry.Stanza.ElementText("body", Namespaces.Client));
        Assert.NotNull(fromNurse.Element("stanza-id", Sid));
    }

    [Fact]
    public async Task Prefs_SetAfterMessagesWereArchived_AppliesToTheNextMessageAtOnce()
    {
        var host = CreateHost();
        var juliet = host.Sessions.Add("juliet@capulet.lit/balcony");
        await host.RunHooksAsync(StanzaDirection.Inbound, Chat("romeo@montague.lit/orchard", "juliet@capulet.lit", "kept"), origin: null);

        // The preferences read for the first message are kept in memory; a set must replace them, not wait them out.
        await host.InvokeIqAsync(Iq("set", "<prefs xmlns='urn:xmpp:mam:2' default='never'><always/><never/></prefs>"), juliet);
        await host.RunHooksAsync(StanzaDirection.Inbound, Chat("romeo@montague.lit/orchard", "juliet@capulet.lit", "not kept"), origin: null);

        Assert.Equal(["kept"], _store.Archive(Juliet).Select(e => e.Stanza.ElementText("body", Namespaces.Client)));
    }

    [Fact]
    public async Task Prefs_ChangedInStorageByAnotherProcess_AppliesOnceTheKeptCopyExpires()
    {
        var host = CreateHost();
        await host.RunHooksAsync(StanzaDirection.Inbound, Chat("romeo@montague.lit/orchard", "juliet@capulet.lit", "1"), origin: null);

        await _store.SetPreferencesAsync(Juliet, new ArchivePreferences(ArchiveDefault.Never, [], []), default);
        await host.RunHooksAsync(StanzaDirection.Inbound, Chat("romeo@montague.lit/orchard", "juliet@capulet.lit", "2"), origin: null);
        _time.Advance(ArchivePreferencesCache.Lifetime);
        await host.RunHooksAsync(StanzaDirection.Inbound, Chat("romeo@montague.lit/orchard", "juliet@capulet.lit", "3"), origin: null);

        Assert.Equal(["1", "2"], _store.Archive(Juliet).Select(e => e.Stanza.ElementText("body", Namespaces.Client)));
    }

    [Fact]
    public async Task Prefs_DefaultAlwaysWithNeverList_ThatJidNotArchived()
    {
        var host = CreateHost();
        var juliet = host.Sessions.Add("juliet@capulet.lit/balcony");
        await host.InvokeIqAsync(Iq("set", "<prefs xmlns='urn:xmpp:mam:2' default='always'><always/><never><jid>romeo@montague.lit</jid></never></prefs>"), juliet);

        var fromRomeo = Chat("romeo@montague.lit/orchard", "juliet@capulet.lit", "secret");
        await host.RunHooksAsync(StanzaDirection.Inbound, fromRomeo, origin: null);
        await host.RunHooksAsync(StanzaDirection.Outbound, Chat("juliet@capulet.lit/balcony", "romeo@montague.lit/orchard", "secret too"), juliet);
        await host.RunHooksAsync(StanzaDirection.Inbound, Chat("nurse@capulet.lit/kitchen", "juliet@capulet.lit", "kept"), origin: null);

        Assert.Equal(["kept"], _store.Archive(Juliet).Select(e => e.Stanza.ElementText("body", Namespaces.Client)));
        Assert.Null(fromRomeo.Element("stanza-id", Sid));
    }

    [Fact]
    public async Task Prefs_DefaultRoster_OnlyContactsInRosterArchived()
    {
        var host = CreateHost();
        var juliet = host.Sessions.Add("juliet@capulet.lit/balcony");
        await _roster.UpdateAsync(Juliet, Romeo, _ => new RosterEntry(RosterItem.Create(Romeo), null), 100, default);
        await host.InvokeIqAsync(Iq("set", "<prefs xmlns='urn:xmpp:mam:2' default='roster'/>"), juliet);

        await host.RunHooksAsync(StanzaDirection.Inbound, Chat("romeo@montague.lit/orchard", "juliet@capulet.lit", "contact"), origin: null);
        await host.RunHooksAsync(StanzaDirection.Inbound, Chat("tybalt@capulet.lit/street", "juliet@capulet.lit", "stranger"), origin: null);

        Assert.Equal(["contact"], _store.Archive(Juliet).Select(e => e.Stanza.ElementText("body", Namespaces.Client)));
    }

    [Theory]
    [InlineData("<prefs xmlns='urn:xmpp:mam:2'/>")]
    [InlineData("<prefs xmlns='urn:xmpp:mam:2' default='sometimes'/>")]
    [InlineData("<prefs xmlns='urn:xmpp:mam:2' default='always'><always><jid>@@</jid></always></prefs>")]
    public async Task Prefs_SetInvalid_BadRequest(string prefs)
    {
        var host = CreateHost();
        var juliet = host.Sessions.Add("juliet@capulet.lit/balcony");

        var result = await host.InvokeIqAsync(Iq("set", prefs), juliet);

        Assert.Equal(StanzaErrorCondition.BadRequest, result?.Error);
        Assert.Null(await _store.GetPreferencesAsync(Juliet, default));
    }

    [Fact]
    public async Task UserDeleted_RemovesTheArchive()
    {
        var host = CreateHost();
        await ReceiveAsync(host, 2);
        await host.RunHooksAsync(StanzaDirection.Inbound, Chat("juliet@capulet.lit/balcony", "romeo@montague.lit", "kept"), origin: null);

        await host.Registry.PublishAsync(new UserDeleted(Juliet), default);

        Assert.Empty(_store.Archive(Juliet));
        Assert.Single(_store.Archive(Romeo));
    }

    [Fact]
    public async Task Retention_OlderThanTheLimit_RemovedWhenTheNextMessageIsArchived()
    {
        _options.RetentionDays = 1;
        var host = CreateHost();
        await ReceiveAsync(host, 1);
        _time.Advance(TimeSpan.FromDays(2));

        await host.RunHooksAsync(StanzaDirection.Inbound, Chat("romeo@montague.lit/orchard", "juliet@capulet.lit", "new"), origin: null);

        Assert.Equal(["new"], _store.Archive(Juliet).Select(e => e.Stanza.ElementText("body", Namespaces.Client)));
    }

    private ModuleTestHost CreateHost()
        => new(_ => [new MamModule(_store, _roster, _time, Options.Create(_options), NullLogger<MamModule>.Instance)]);

    /// <summary>Romeo sends Juliet <paramref name="count"/> messages "m0".., one second apart.</summary>
    private async Task ReceiveAsync(ModuleTestHost host, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await host.RunHooksAsync(StanzaDirection.Inbound, Chat("romeo@montague.lit/orchard", "juliet@capulet.lit", "m" + i), origin: null);
            _time.Advance(TimeSpan.FromSeconds(1));
        }
    }

    private static async Task<IqResult> QueryAsync(ModuleTestHost host, FakeSession session, string query)
    {
        var result = await host.InvokeIqAsync(Iq("set", query), session);
        Assert.NotNull(result);
        return result;
    }

    private static XmppElement Fin(IqResult result)
    {
        Assert.Null(result.Error);
        var fin = result.Payload;
        Assert.NotNull(fin);
        Assert.True(fin.Is("fin", Mam), fin.ToString());
        return fin;
    }

    private static string Form(params (string Var, string Value)[] fields)
        => "<query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field>"
            + string.Concat(fields.GroupBy(f => f.Var).Select(g => $"<field var='{g.Key}'>" + string.Concat(g.Select(f => $"<value>{f.Value}</value>")) + "</field>"))
            + "</x></query>";

    private static List<string?> Bodies(List<XmppElement> sent)
        => sent.Select(m => m.Element("result", Mam)?.Element("forwarded", Forward)?.Element("message", Namespaces.Client)?.ElementText("body", Namespaces.Client)).ToList();

    private static XmppElement Iq(string type, string payload)
    {
        var iq = new XmppElement("iq", Namespaces.Client) { Type = type, Id = "q1" };
        iq.Add(Xml.Parse(payload));
        return iq;
    }

    private static XmppElement Chat(string from, string to, string body, string? type = "chat")
        => Message(from, to, type, new XmppElement("body", Namespaces.Client).AddText(body));

    private static XmppElement Message(string from, string to, string? type, XmppElement child)
    {
        var message = new XmppElement("message", Namespaces.Client) { From = from, To = to, Type = type };
        message.Add(child);
        return message;
    }

    private static XmppElement StanzaId(string id, string by)
        => new XmppElement("stanza-id", Sid).SetAttribute("id", id).SetAttribute("by", by);
}
