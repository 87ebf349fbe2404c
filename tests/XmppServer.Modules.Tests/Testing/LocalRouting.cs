using XmppServer.Core.Routing;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Testing;

/// <summary>
/// Plays the core's part for stanzas modules routed to local addresses, so that two local users can talk through
/// the modules under test: Inbound hooks first, then a simplified RFC 6121 §8.5 delivery (presence to a bare JID goes
/// to every available resource, to a full JID to that resource; messages to every available resource; IQs are not
/// delivered). Stanzas for other domains are returned untouched.
/// </summary>
internal static class LocalRouting
{
    /// <summary>Processes <see cref="FakeRouter.Routed"/> until it is empty; returns what went to other domains.</summary>
    public static async Task<List<XmppElement>> RouteLocallyAsync(this ModuleTestHost host, params string[] localDomains)
    {
        ArgumentNullException.ThrowIfNull(host);
        var remote = new List<XmppElement>();
        for (var i = 0; host.Router.Routed.TryDequeue(out var stanza); i++)
        {
            if (i > 10_000)
            {
                throw new InvalidOperationException("Stanzas keep being routed: the modules are looping.");
            }

            var to = Jid.Parse(stanza.To ?? throw new InvalidOperationException("A routed stanza has no 'to'."));
            if (!localDomains.Contains(to.Domain, StringComparer.Ordinal))
            {
                remote.Add(stanza);
                continue;
            }

            if (await host.RunHooksAsync(StanzaDirection.Inbound, stanza, origin: null) || stanza.Name == "iq")
            {
                continue;
            }

            if (to.IsFull && host.Sessions.GetSession(to) is { } session)
            {
                session.Send(stanza);
                continue;
            }

            if (to.Local is null || (to.IsFull && stanza.Name == "presence"))
            {
                continue;
            }

            foreach (var target in host.Sessions.GetSessions(to.Bare))
            {
                if (target.IsAvailable)
                {
                    target.Send(stanza);
                }
            }
        }

        return remote;
    }
}
