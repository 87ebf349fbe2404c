using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using XmppServer.Core.Events;
using XmppServer.Core.Modules;
using XmppServer.Core.Routing;
using XmppServer.Modules.Presence;
using XmppServer.Modules.Roster;
using XmppServer.Modules.Tests.Testing;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Roster;

/// <summary>The roster module (and optionally the presence module) over an in-memory store and fake sessions.</summary>
internal sealed class RosterHarness
{
    public const string Domain = "example.com";

    public RosterHarness(bool withPresence = false, int maxItems = 1000)
    {
        Options = new RosterOptions { MaxItems = maxItems };
        Host = new ModuleTestHost(host =>
        {
            var modules = new List<IXmppModule>
            {
                new RosterModule(Store, host.Router, host.Sessions, Microsoft.Extensions.Options.Options.Create(Options), NullLogger<RosterModule>.Instance),
            };
            if (withPresence)
            {
                modules.Add(new PresenceModule(Store, host.Router, host.Sessions, NullLogger<PresenceModule>.Instance));
            }

            return modules;
        });
    }

    public InMemoryRosterStore Store { get; } = new();

    public RosterOptions Options { get; }

    public ModuleTestHost Host { get; }

    public FakeRouter Router => Host.Router;

    public FakeSession Connect(string fullJid, bool available = false, bool interested = false)
    {
        var session = Host.Sessions.Add(fullJid);
        if (available)
        {
            session.MakeAvailable();
        }

        session.IsRosterInterested = interested;
        return session;
    }

    public Task<IqResult?> GetRosterAsync(FakeSession session, string? version = null)
    {
        var iq = new XmppElement("iq", Namespaces.Client) { Type = "get", Id = "get1" };
        iq.AddElement("query", Namespaces.Roster).SetAttribute("ver", version);
        return Host.InvokeIqAsync(iq, session);
    }

    public Task<IqResult?> SetAsync(FakeSession session, params XmppElement[] items)
    {
        var iq = new XmppElement("iq", Namespaces.Client) { Type = "set", Id = "set1" };
        var query = iq.AddElement("query", Namespaces.Roster);
        foreach (var item in items)
        {
            query.Add(item);
        }

        return Host.InvokeIqAsync(iq, session);
    }

    public static XmppElement Item(string jid, string? name = null, params string[] groups)
    {
        var item = new XmppElement("item", Namespaces.Roster).SetAttribute("jid", jid).SetAttribute("name", name);
        foreach (var group in groups)
        {
            item.AddTextElement("group", Namespaces.Roster, group);
        }

        return item;
    }

    /// <summary>A presence the client of <paramref name="from"/> sends, through the outbound hooks.</summary>
    public ValueTask<bool> SendAsync(FakeSession from, string? type, string to)
    {
        var presence = Presence(type, to);
        presence.From = from.Jid.ToString();
        return Host.RunHooksAsync(StanzaDirection.Outbound, presence, from);
    }

    /// <summary>A presence arriving for a local user, through the inbound hooks.</summary>
    public ValueTask<bool> ReceiveAsync(string? type, string from, string to, string? status = null)
    {
        var presence = Presence(type, to);
        presence.From = from;
        if (status is not null)
        {
            presence.AddTextElement("status", Namespaces.Client, status);
        }

        return Host.RunHooksAsync(StanzaDirection.Inbound, presence, origin: null);
    }

    /// <summary>The client sends initial presence: the core marks it available and publishes the broadcast.</summary>
    public async Task SendInitialPresenceAsync(FakeSession session, int priority = 0)
    {
        session.MakeAvailable(priority);
        await Host.Registry.PublishAsync(new PresenceBroadcastRequested(session, session.Presence!, WasAvailable: false, IsInitial: true), CancellationToken.None);
    }

    public async Task SeedAsync(string user, RosterEntry entry)
    {
        var contact = entry.Item?.Jid ?? entry.PendingIn!.Contact;
        await Store.UpdateAsync(Jid.Parse(user), contact, _ => entry, int.MaxValue, CancellationToken.None);
    }

    public async Task<RosterEntry> EntryAsync(string user, string contact)
        => await Store.GetEntryAsync(Jid.Parse(user), Jid.Parse(contact), CancellationToken.None);

    public static XmppElement Presence(string? type, string to)
    {
        var presence = new XmppElement("presence", Namespaces.Client) { To = to };
        presence.Type = type;
        return presence;
    }

    /// <summary>The roster pushes among what a session received.</summary>
    public static List<XmppElement> Pushes(IEnumerable<XmppElement> sent)
        => sent.Where(s => s.Name == "iq" && s.Type == "set" && s.Element("query", Namespaces.Roster) is not null).ToList();
}
