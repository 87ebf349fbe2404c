using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using XmppServer.Core;
using XmppServer.Core.Modules;
using XmppServer.Core.Routing;
using XmppServer.Modules.Roster;
using XmppServer.Protocol;
using XmppServer.Storage.Sqlite.Roster;

namespace XmppServer.Storage.Sqlite.Tests.Roster;

/// <summary>The roster module on the real SQLite store: what the module tests do in memory, once end to end.</summary>
public sealed class RosterModuleOverSqliteTests : IAsyncLifetime
{
    private static readonly Jid Juliet = Jid.Parse("juliet@example.com");
    private static readonly Jid Romeo = Jid.Parse("romeo@example.net");

    private readonly SingleSession _session = new(Juliet.WithResource("balcony")) { IsRosterInterested = true };
    private readonly RecordingRouter _router;
    private TempDatabase _database = null!;
    private SqliteRosterStore _store = null!;
    private ModuleRegistry _registry = null!;

    public RosterModuleOverSqliteTests() => _router = new RecordingRouter(_session);

    public async Task InitializeAsync()
    {
        _database = await TempDatabase.CreateAsync();
        _store = new SqliteRosterStore(_database.Database);
        var module = new RosterModule(_store, _router, _session, Options.Create(new RosterOptions()), NullLogger<RosterModule>.Instance);
        _registry = new ModuleRegistry([module]);
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task SetThenSubscribeThenGet_StateAndVersionPersisted()
    {
        var set = Iq("set");
        set.Element("query", Namespaces.Roster)!.AddElement("item").SetAttribute("jid", Romeo.ToString()).SetAttribute("name", "Romeo")
            .AddTextElement("group", Namespaces.Roster, "Friends");
        Assert.Same(IqResult.Empty, await InvokeAsync(IqType.Set, set));

        var subscribe = new XmppElement("presence", Namespaces.Client) { Type = "subscribe", From = _session.Jid.ToString(), To = Romeo.ToString() };
        var context = new StanzaContext(subscribe, StanzaKind.Presence, _session.Jid, Romeo, _session);
        Assert.True(await _registry.RunHooksAsync(new StanzaHookKey(StanzaKind.Presence, StanzaDirection.Outbound, AddressKind.Bare), context, CancellationToken.None));

        var routed = Assert.Single(_router.Routed);
        Assert.Equal(Juliet.ToString(), routed.From);
        var pushes = _session.Sent.Where(s => s.Name == "iq").ToList();
        Assert.Equal(["1", "2"], pushes.Select(p => p.Element("query", Namespaces.Roster)!.GetAttribute("ver")));

        var result = await InvokeAsync(IqType.Get, Iq("get"));
        var query = result.Payload!;
        Assert.Equal("2", query.GetAttribute("ver"));
        var item = Assert.Single(query.Elements("item", Namespaces.Roster));
        Assert.Equal("Romeo", item.GetAttribute("name"));
        Assert.Equal("none", item.GetAttribute("subscription"));
        Assert.Equal("subscribe", item.GetAttribute("ask"));
        Assert.Equal("Friends", item.ElementText("group", Namespaces.Roster));

        var get = Iq("get");
        get.Element("query", Namespaces.Roster)!.SetAttribute("ver", "2");
        Assert.Same(IqResult.Empty, await InvokeAsync(IqType.Get, get));
    }

    private static XmppElement Iq(string type)
    {
        var iq = new XmppElement("iq", Namespaces.Client) { Type = type, Id = type };
        iq.AddElement("query", Namespaces.Roster);
        return iq;
    }

    private async Task<IqResult> InvokeAsync(IqType type, XmppElement iq)
    {
        iq.From = _session.Jid.ToString();
        var payload = iq.FirstElement()!;
        var handler = _registry.FindIqHandler(type, payload.Namespace, payload.Name, IqTarget.Self)!;
        return await handler(new IqContext(iq, payload, type, _session.Jid, Juliet, _session), CancellationToken.None);
    }

    private sealed class RecordingRouter(SingleSession session) : IStanzaRouter
    {
        public List<XmppElement> Routed { get; } = [];

        public ValueTask RouteAsync(XmppElement stanza, CancellationToken cancellationToken)
        {
            Routed.Add(stanza);
            return ValueTask.CompletedTask;
        }

        public bool DeliverTo(Jid fullJid, XmppElement stanza) => fullJid == session.Jid && session.Send(stanza);

        public ValueTask BounceAsync(XmppElement stanza, StanzaErrorCondition condition, string? text, CancellationToken cancellationToken)
            => ValueTask.CompletedTask;

        public Task<XmppElement> SendIqAsync(XmppElement iq, TimeSpan timeout, CancellationToken cancellationToken)
            => throw new NotSupportedException();
    }

    /// <summary>One interested, bound session, which is also the whole session manager.</summary>
    private sealed class SingleSession(Jid jid) : IXmppSession, ISessionManager
    {
        public string Id => "test";

        public Jid Jid { get; } = jid;

        public bool IsSecure => true;

        public bool IsAvailable => false;

        public int Priority => 0;

        public XmppElement? Presence => null;

        public bool IsRosterInterested { get; set; }

        public SessionItems Items { get; } = new();

        public List<XmppElement> Sent { get; } = [];

        public int Count => 1;

        public IOutboundFilter? OutboundFilter => null;

        public bool Send(XmppElement stanza)
        {
            Sent.Add(stanza);
            return true;
        }

        public void SetOutboundFilter(IOutboundFilter? filter) => throw new NotSupportedException("The roster never filters a session's stanzas.");

        public ValueTask CloseAsync(StreamErrorCondition? error, string? text = null) => ValueTask.CompletedTask;

        public IReadOnlyList<IXmppSession> GetSessions(Jid bareJid) => bareJid == Jid.Bare ? [this] : [];

        public IXmppSession? GetSession(Jid fullJid) => fullJid == Jid ? this : null;
    }
}
