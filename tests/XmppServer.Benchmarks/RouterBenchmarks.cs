using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using XmppServer.Core;
using XmppServer.Core.Accounts;
using XmppServer.Core.Connections;
using XmppServer.Core.Hosting;
using XmppServer.Core.Routing;
using XmppServer.Modules.Carbons;
using XmppServer.Modules.Presence;
using XmppServer.Modules.Roster;
using XmppServer.Protocol;

namespace XmppServer.Benchmarks;

/// <summary>
/// One stanza a client sent, through the real <see cref="StanzaRouter"/> into the real outbound queues of the
/// <see cref="ClientSession"/>s bound in the real <see cref="SessionManager"/>, all built by the core's own service
/// registration as the host builds them. Each call routes one stanza and then takes out of the recipients' queues what
/// was delivered, as their write loops would (without writing it), so the queues never fill; time and allocation are
/// per routed stanza. The element is parsed once and routed again on every call (parsing is ParserBenchmarks' part).
/// </summary>
/// <remarks>
/// <para>
/// Modules: <c>Core</c> is the router alone. <c>Carbons+Presence</c> adds XEP-0280 Message Carbons (enabled on every
/// session, so each message also makes its copies) and the RFC 6121 §4 presence broadcast, whose roster is a fixed
/// in-memory one (the server reads it from SQLite on every broadcast; that query is the store's cost, not the
/// router's). Modules that write to SQLite on a routed stanza (MAM archiving, offline storage) are left out on
/// purpose: a durable commit per message would measure the disk, not the router.
/// </para>
/// <para>
/// Sessions: juliet/balcony sends everything; juliet/chamber is her other resource. romeo has one resource; the nurse
/// three, with priorities 5, 5 and -1; juliet's roster holds romeo, the nurse and eight more contacts with one
/// resource each, all subscribed both ways.
/// </para>
/// </remarks>
// Not sealed: BenchmarkDotNet generates a class deriving from it.
[MemoryDiagnoser]
[Config(typeof(BenchmarkConfig))]
public class RouterBenchmarks
{
    private const string Domain = "capulet.lit";
    private const string CoreOnly = "Core";
    private const string WithModules = "Carbons+Presence";

    private ServiceProvider _provider = null!;
    private StanzaRouter _router = null!;
    private ClientSession _juliet = null!;
    private ClientSession[] _romeoTargets = null!;
    private ClientSession[] _nurseTargets = null!;
    private ClientSession[] _everyone = null!;
    private ClientSession[] _presenceTargets = null!;
    private XmppElement _chatToFull = null!;
    private XmppElement _chatToRomeo = null!;
    private XmppElement _chatToNurse = null!;
    private XmppElement _presence = null!;
    private XmppElement _iqToServer = null!;

    [Params(CoreOnly, WithModules)]
    public string Modules { get; set; } = CoreOnly;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Xmpp:Domains:0"] = Domain })
            .Build();
        var services = new ServiceCollection().AddLogging().AddXmppCore(configuration);
        services.AddSingleton<IAccountStore, NoAccountLookups>();
        var roster = new FixedRosters();
        if (Modules == WithModules)
        {
            services.AddSingleton<IRosterStore>(roster);
            services.AddXmppModule<PresenceModule>();
            services.AddXmppModule<CarbonsModule>();
        }

        _provider = services.BuildServiceProvider();
        _router = _provider.GetRequiredService<StanzaRouter>();
        var sessions = _provider.GetRequiredService<SessionManager>();
        var options = _provider.GetRequiredService<IOptions<ConnectionOptions>>().Value;

        ClientSession Bind(string user, string resource)
        {
            // As C2sConnection binds a resource: the configured queue bounds; closing is never asked for here.
            var session = new ClientSession(user + "/" + resource, Jid.Parse($"{user}@{Domain}/{resource}"), isSecure: true,
                options.MaxOutboundQueue, (_, _) => throw new InvalidOperationException("A benchmark session was closed."), new object())
            {
                MaxPendingBytes = options.MaxOutboundBytes,
            };
            sessions.Bind(session);
            return session;
        }

        _juliet = Bind("juliet", "balcony");
        var chamber = Bind("juliet", "chamber");
        var romeo = Bind("romeo", "garden");
        ClientSession[] nurse = [Bind("nurse", "phone"), Bind("nurse", "laptop"), Bind("nurse", "tablet")];
        var contacts = Enumerable.Range(0, 8).Select(i => Bind("contact" + i, "desk")).ToArray();
        _everyone = [_juliet, chamber, romeo, .. nurse, .. contacts];

        // Juliet's carbons go to her other resource; a recipient's to its resources that did not get the message.
        _romeoTargets = [romeo, chamber];
        _nurseTargets = [.. nurse, chamber];

        // Without the presence module a broadcast reaches nobody: no queue to look into.
        _presenceTargets = Modules == WithModules ? _everyone : [];

        roster.Add(_juliet.Jid.Bare, [romeo.Jid.Bare, nurse[0].Jid.Bare, .. contacts.Select(c => c.Jid.Bare)]);

        // Every session becomes available and enables carbons through the router, as its client would.
        var priorities = new Dictionary<ClientSession, int> { [_juliet] = 5, [nurse[0]] = 5, [nurse[1]] = 5, [nurse[2]] = -1 };
        foreach (var session in _everyone)
        {
            var priority = priorities.GetValueOrDefault(session);
            await _router.ProcessFromClientAsync(session, Stanza($"<presence><priority>{priority}</priority></presence>"), StanzaKind.Presence, default);
            if (Modules == WithModules)
            {
                await _router.ProcessFromClientAsync(session, Stanza($"<iq type='set' id='carbons'><enable xmlns='urn:xmpp:carbons:2'/></iq>"), StanzaKind.Iq, default);
            }
        }

        Drain(_everyone);

        _chatToFull = Stanza(
            "<message to='romeo@capulet.lit/garden' type='chat' id='m1'><body>Wherefore art thou, Romeo?</body>" +
            "<active xmlns='http://jabber.org/protocol/chatstates'/><request xmlns='urn:xmpp:receipts'/><origin-id xmlns='urn:xmpp:sid:0' id='m1'/></message>");
        _chatToRomeo = Stanza("<message to='romeo@capulet.lit' type='chat' id='m2'><body>Deny thy father and refuse thy name.</body></message>");
        _chatToNurse = Stanza("<message to='nurse@capulet.lit' type='chat' id='m3'><body>Anon, good nurse!</body></message>");
        _presence = Stanza(
            "<presence><show>away</show><status>On the balcony</status><priority>5</priority>" +
            "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://gajim.org' ver='QgayPKawpkPSDYmwT/WM94uAlu0='/></presence>");

        // XEP-0012 Last Activity: no module of this server answers it, so the server says service-unavailable.
        _iqToServer = Stanza("<iq to='capulet.lit' type='get' id='last1'><query xmlns='jabber:iq:last'/></iq>");

        await CheckAsync(romeo, nurse, contacts);
    }

    [GlobalCleanup]
    public ValueTask CleanupAsync() => _provider.DisposeAsync();

    /// <summary>RFC 6121 §8.5.3.1: a chat message to an online full JID.</summary>
    [Benchmark]
    public async ValueTask<int> ChatToFullJid()
    {
        await _router.ProcessFromClientAsync(_juliet, _chatToFull, StanzaKind.Message, default);
        return Drain(_romeoTargets);
    }

    /// <summary>RFC 6121 §8.5.2.1.1: a chat message to a bare JID with one available resource.</summary>
    [Benchmark]
    public async ValueTask<int> ChatToBareJidOneResource()
    {
        await _router.ProcessFromClientAsync(_juliet, _chatToRomeo, StanzaKind.Message, default);
        return Drain(_romeoTargets);
    }

    /// <summary>
    /// RFC 6121 §8.5.2.1.1: a chat message to a bare JID with three available resources: the two sharing the highest
    /// priority get it, the one with a negative priority does not.
    /// </summary>
    [Benchmark]
    public async ValueTask<int> ChatToBareJidThreeResources()
    {
        await _router.ProcessFromClientAsync(_juliet, _chatToNurse, StanzaKind.Message, default);
        return Drain(_nurseTargets);
    }

    /// <summary>
    /// RFC 6121 §4.4: a subsequent presence broadcast. Core alone records the session's availability and announces the
    /// broadcast; the presence module sends it to the ten subscribed contacts (12 resources) and juliet's own two.
    /// </summary>
    [Benchmark]
    public async ValueTask<int> PresenceBroadcast()
    {
        await _router.ProcessFromClientAsync(_juliet, _presence, StanzaKind.Presence, default);
        return Drain(_presenceTargets);
    }

    /// <summary>RFC 6120 §8.4: an IQ to the server that nothing handles, answered with service-unavailable.</summary>
    [Benchmark]
    public async ValueTask<int> IqToServerUnavailable()
    {
        await _router.ProcessFromClientAsync(_juliet, _iqToServer, StanzaKind.Iq, default);
        return Drain(_juliet);
    }

    private static XmppElement Stanza(string xml) => BenchmarkStanzas.ParseXml(xml);

    /// <summary>What each session's write loop does with a queued stanza before writing it: take it, release its bytes.</summary>
    private static int Drain(params ReadOnlySpan<ClientSession> sessions)
    {
        var count = 0;
        foreach (var session in sessions)
        {
            while (session.Outbound.TryRead(out var queued))
            {
                session.Dequeued(queued.Size);
                count++;
            }
        }

        return count;
    }

    /// <summary>Routes each stanza once and checks where it went, so that no figure is that of a bounce or a drop.</summary>
    private async Task CheckAsync(ClientSession romeo, ClientSession[] nurse, ClientSession[] contacts)
    {
        var modules = Modules == WithModules;
        var chamber = _everyone[1];

        await _router.ProcessFromClientAsync(_juliet, _chatToFull, StanzaKind.Message, default);
        Expect(nameof(ChatToFullJid), Taken(romeo), [_chatToFull]);
        Expect(nameof(ChatToFullJid), Taken(chamber).Count, modules ? 1 : 0);

        await _router.ProcessFromClientAsync(_juliet, _chatToRomeo, StanzaKind.Message, default);
        Expect(nameof(ChatToBareJidOneResource), Taken(romeo), [_chatToRomeo]);
        Expect(nameof(ChatToBareJidOneResource), Taken(chamber).Count, modules ? 1 : 0);

        await _router.ProcessFromClientAsync(_juliet, _chatToNurse, StanzaKind.Message, default);
        Expect(nameof(ChatToBareJidThreeResources), Taken(nurse[0]), [_chatToNurse]);
        Expect(nameof(ChatToBareJidThreeResources), Taken(nurse[1]), [_chatToNurse]);
        var tablet = Taken(nurse[2]);
        Expect(nameof(ChatToBareJidThreeResources), tablet.Count, modules ? 1 : 0); // a received carbon, not the message
        Expect(nameof(ChatToBareJidThreeResources), tablet.Contains(_chatToNurse) ? 1 : 0, 0);
        Expect(nameof(ChatToBareJidThreeResources), Taken(chamber).Count, modules ? 1 : 0);

        await _router.ProcessFromClientAsync(_juliet, _presence, StanzaKind.Presence, default);
        Expect(nameof(PresenceBroadcast), _juliet.Presence == _presence ? 1 : 0, 1);
        var broadcast = _everyone.Sum(s => Taken(s).Count(p => p.Name == "presence" && p.Type is null));
        Expect(nameof(PresenceBroadcast), broadcast, modules ? 2 + 1 + nurse.Length + contacts.Length : 0);

        await _router.ProcessFromClientAsync(_juliet, _iqToServer, StanzaKind.Iq, default);
        var reply = Taken(_juliet);
        Expect(nameof(IqToServerUnavailable), reply.Count, 1);
        Expect(nameof(IqToServerUnavailable), reply[0].Element("error", Namespaces.Client)?.Element("service-unavailable", Namespaces.Stanzas) is null ? 0 : 1, 1);

        Expect("Other queues", _everyone.Sum(s => Taken(s).Count), 0);
    }

    private static List<XmppElement> Taken(ClientSession session)
    {
        var taken = new List<XmppElement>();
        while (session.Outbound.TryRead(out var queued))
        {
            session.Dequeued(queued.Size);
            taken.Add(queued.Stanza);
        }

        return taken;
    }

    private static void Expect(string scenario, List<XmppElement> actual, XmppElement[] expected)
    {
        if (!actual.SequenceEqual(expected))
        {
            throw new InvalidOperationException($"{scenario}: delivered {string.Join(", ", actual)} instead of the routed stanza.");
        }
    }

    private static void Expect(string scenario, int actual, int expected)
    {
        if (actual != expected)
        {
            throw new InvalidOperationException($"{scenario}: {actual} where {expected} was expected.");
        }
    }

    /// <summary>
    /// The router asks the account store only whether an account exists that has no session; every stanza here goes
    /// to an online account, so any question means the benchmark measures something other than it says.
    /// </summary>
    private sealed class NoAccountLookups : IAccountStore
    {
        public ValueTask<bool> ExistsAsync(Jid user, CancellationToken cancellationToken) => throw Unexpected();

        public ValueTask<StoredCredentials?> GetCredentialsAsync(Jid user, CancellationToken cancellationToken) => throw Unexpected();

        public ValueTask<bool> CreateAsync(Jid user, StoredCredentials credentials, CancellationToken cancellationToken) => throw Unexpected();

        public ValueTask<bool> SetCredentialsAsync(Jid user, StoredCredentials credentials, CancellationToken cancellationToken) => throw Unexpected();

        public ValueTask<bool> DeleteAsync(Jid user, CancellationToken cancellationToken) => throw Unexpected();

        public ValueTask<IReadOnlyList<string>> ListAsync(string domain, CancellationToken cancellationToken) => throw Unexpected();

        public ValueTask<int> CreateManyAsync(IReadOnlyList<(Jid User, StoredCredentials Credentials)> accounts, CancellationToken cancellationToken) => throw Unexpected();

        private static InvalidOperationException Unexpected() => new("The routed stanzas should not need the account store.");
    }

    /// <summary>
    /// Rosters that never change, read from memory: contacts subscribed both ways. Only reads are expected; the
    /// benchmark sends no roster or subscription stanza.
    /// </summary>
    private sealed class FixedRosters : IRosterStore
    {
        private readonly Dictionary<Jid, Dictionary<Jid, RosterItem>> _rosters = [];
        private readonly Dictionary<Jid, RosterSnapshot> _snapshots = [];

        public void Add(Jid user, IEnumerable<Jid> contacts)
        {
            foreach (var contact in contacts)
            {
                Item(user, contact);
                Item(contact, user);
            }

            foreach (var (owner, items) in _rosters)
            {
                _snapshots[owner] = new RosterSnapshot([.. items.Values], "1");
            }
        }

        public ValueTask<RosterSnapshot> GetRosterAsync(Jid user, CancellationToken cancellationToken)
            => ValueTask.FromResult(_snapshots.GetValueOrDefault(user) ?? new RosterSnapshot([], "0"));

        public ValueTask<RosterEntry> GetEntryAsync(Jid user, Jid contact, CancellationToken cancellationToken)
            => ValueTask.FromResult(
                _rosters.GetValueOrDefault(user)?.GetValueOrDefault(contact) is { } item ? new RosterEntry(item, null) : RosterEntry.Empty);

        public ValueTask<IReadOnlyList<PendingSubscription>> GetPendingSubscriptionsAsync(Jid user, CancellationToken cancellationToken)
            => ValueTask.FromResult<IReadOnlyList<PendingSubscription>>([]);

        public ValueTask<RosterUpdate> UpdateAsync(Jid user, Jid contact, Func<RosterEntry, RosterEntry> change, int limit, CancellationToken cancellationToken)
            => throw new NotSupportedException("The benchmark rosters do not change.");

        public ValueTask DeleteUserAsync(Jid user, CancellationToken cancellationToken)
            => throw new NotSupportedException("The benchmark rosters do not change.");

        private void Item(Jid owner, Jid contact)
        {
            if (!_rosters.TryGetValue(owner, out var items))
            {
                _rosters[owner] = items = [];
            }

            items[contact] = RosterItem.Create(contact) with { Subscription = RosterSubscription.Both };
        }
    }
}
