using Microsoft.Extensions.Logging;
using XmppServer.Core;
using XmppServer.Core.Events;
using XmppServer.Core.Modules;
using XmppServer.Core.Routing;
using XmppServer.Modules.Roster;
using XmppServer.Protocol;

namespace XmppServer.Modules.Presence;

/// <summary>
/// Presence broadcast, probes and directed presence (RFC 6121 §4). The core tracks each session's availability and
/// asks for a broadcast; this module decides who gets it.
/// </summary>
/// <remarks>
/// Modules do not reference each other's classes, but who may see a user's presence is the roster's subscription
/// state, so this module reads it through <see cref="IRosterStore"/>, the roster feature's store interface (Prosody's
/// mod_presence likewise reads rostermanager). It never changes the roster: that stays with the roster module.
/// </remarks>
public sealed partial class PresenceModule(
    IRosterStore roster,
    IStanzaRouter router,
    ISessionManager sessions,
    ILogger<PresenceModule> logger) : IXmppModule
{
    public void Configure(IModuleBuilder module)
    {
        ArgumentNullException.ThrowIfNull(module);
        module.On<PresenceBroadcastRequested>(OnBroadcastAsync);
        module.On<SessionClosed>(OnSessionClosedAsync);

        // RFC 6121 §4.6: presence a user addresses to someone is remembered, to be ended with unavailable.
        foreach (var to in (ReadOnlySpan<AddressKind>)[AddressKind.Host, AddressKind.Bare, AddressKind.Full])
        {
            module.Hook(new StanzaHookKey(StanzaKind.Presence, StanzaDirection.Outbound, to), TrackDirectedPresenceAsync);
        }

        // RFC 6121 §4.3.2: probes for one of our users are answered here, never delivered to clients.
        foreach (var to in (ReadOnlySpan<AddressKind>)[AddressKind.Bare, AddressKind.Full])
        {
            module.Hook(new StanzaHookKey(StanzaKind.Presence, StanzaDirection.Inbound, to), HandleProbeAsync);
        }
    }

    private async ValueTask OnBroadcastAsync(PresenceBroadcastRequested broadcast, CancellationToken cancellationToken)
    {
        var session = broadcast.Session;
        var user = session.Jid.Bare;
        var presence = broadcast.Presence;
        var unavailable = presence.Type == "unavailable";

        if (unavailable && !broadcast.WasAvailable)
        {
            // Unavailable from a session that never was available: the contacts never saw it online, only the
            // entities it sent directed presence to did (RFC 6121 §4.6.3).
            await SendToDirectedAsync(session, presence, [], cancellationToken);
            return;
        }

        var snapshot = await roster.GetRosterAsync(user, cancellationToken);
        var subscribers = new HashSet<Jid>();
        foreach (var item in snapshot.Items)
        {
            if (item.Subscription.HasFrom())
            {
                subscribers.Add(item.Jid);
            }
        }

        // RFC 6121 §4.2.2 (initial), §4.4.2 (subsequent), §4.5.2 (unavailable): to every contact subscribed to the
        // user's presence, i.e. with subscription 'from' or 'both'.
        foreach (var contact in subscribers)
        {
            await router.RouteAsync(Stamp(presence, session.Jid, contact), cancellationToken);
        }

        // RFC 6121 §4.2.2, §4.4.2, §4.5.2: and to all of the user's available resources, the sender included ("an
        // entity is implicitly subscribed to its own presence"). An unavailable sender is no longer available.
        foreach (var resource in sessions.GetSessions(user))
        {
            if (resource.IsAvailable)
            {
                router.DeliverTo(resource.Jid, Stamp(presence, session.Jid, resource.Jid));
            }
        }

        if (unavailable)
        {
            // RFC 6121 §4.6.3: entities that got directed presence learn that the resource went offline too.
            await SendToDirectedAsync(session, presence, subscribers, cancellationToken);
            return;
        }

        if (broadcast.IsInitial)
        {
            await OnInitialPresenceAsync(session, snapshot, cancellationToken);
        }
    }

    private async ValueTask OnInitialPresenceAsync(IXmppSession session, RosterSnapshot snapshot, CancellationToken cancellationToken)
    {
        var user = session.Jid.Bare;

        // RFC 6121 §4.3.1: probe every contact the user is subscribed to ('to' or 'both'), from the bare JID.
        foreach (var item in snapshot.Items)
        {
            if (item.Subscription.HasTo())
            {
                var probe = new XmppElement("presence", Namespaces.Client)
                {
                    Type = "probe",
                    From = user.ToString(),
                    To = item.Jid.ToString(),
                };
                await router.RouteAsync(probe, cancellationToken);
            }
        }

        // RFC 6121 §4.2.2: the new resource also gets the presence of the user's other available resources.
        foreach (var other in sessions.GetSessions(user))
        {
            if (other.IsAvailable && other.Jid != session.Jid)
            {
                router.DeliverTo(session.Jid, Stamp(CurrentPresence(other), other.Jid, session.Jid));
            }
        }
    }

    /// <summary>RFC 6121 §4.5.2: when a session ends without unavailable presence, the server sends it on its behalf.</summary>
    private async ValueTask OnSessionClosedAsync(SessionClosed closed, CancellationToken cancellationToken)
    {
        var session = closed.Session;
        var unavailable = new XmppElement("presence", Namespaces.Client) { Type = "unavailable", From = session.Jid.ToString() };
        if (!closed.WasAvailable)
        {
            await SendToDirectedAsync(session, unavailable, [], cancellationToken);
            return;
        }

        // The session has already left the session manager, so the broadcast reaches the user's other resources.
        await OnBroadcastAsync(new PresenceBroadcastRequested(session, unavailable, WasAvailable: true, IsInitial: false), cancellationToken);
    }

    /// <summary>RFC 6121 §4.6.2: remember directed presence; §4.6.3: forget it once unavailable was sent.</summary>
    private async ValueTask<bool> TrackDirectedPresenceAsync(StanzaContext context, CancellationToken cancellationToken)
    {
        if (context.Origin is not { } session || context.To is not { } to || context.Type is not (null or "unavailable"))
        {
            return false;
        }

        var user = context.From.Bare;

        // The user's own resources get every broadcast anyway.
        if (to.Bare == user)
        {
            return false;
        }

        if (context.Type is null)
        {
            // RFC 6121 §4.6.3: a contact with a subscription from the user gets the unavailable broadcast anyway,
            // so only others are tracked (as Prosody does). The exact 'to' is kept: an occupant JID in a room is a
            // full JID, and the room needs to hear about that occupant.
            var entry = await roster.GetEntryAsync(user, to.Bare, cancellationToken);
            if (entry.Item?.Subscription.HasFrom() != true)
            {
                session.Items.GetOrAdd(static () => new DirectedPresence()).Add(to);
            }
        }
        else
        {
            session.Items.Get<DirectedPresence>()?.Remove(to);
        }

        // The core routes the presence itself.
        return false;
    }

    private async ValueTask<bool> HandleProbeAsync(StanzaContext context, CancellationToken cancellationToken)
    {
        if (context.Type != "probe" || context.To is not { Local: not null } to)
        {
            return false;
        }

        var user = to.Bare;
        var prober = context.From;

        // RFC 6121 §4.3.2: only an entity subscribed to the user's presence ('from' or 'both') gets an answer; the
        // user's own account is implicitly subscribed (§4.2.2).
        var subscribed = prober.Bare == user
            || (await roster.GetEntryAsync(user, prober.Bare, cancellationToken)).Item?.Subscription.HasFrom() == true;
        if (!subscribed)
        {
            // RFC 6121 §4.3.2: an unauthorised prober SHOULD get 'unsubscribed' (Prosody sends it too), which lets a
            // server whose roster wrongly says 'to' or 'both' correct itself (Appendix A.3.4).
            Log.ProbeRefused(logger, prober, user);
            await RouteAsync("unsubscribed", user, prober.Bare, cancellationToken);
            return true;
        }

        var answered = false;
        foreach (var resource in sessions.GetSessions(user))
        {
            // A probe addressed to a full JID asks about that resource only.
            if (!resource.IsAvailable || (to.IsFull && resource.Jid != to))
            {
                continue;
            }

            // RFC 6121 §4.3.2: the last presence each available resource broadcast, to the prober.
            await router.RouteAsync(Stamp(CurrentPresence(resource), resource.Jid, prober), cancellationToken);
            answered = true;
        }

        if (!answered)
        {
            // RFC 6121 §4.3.2: with no available resource the server SHOULD answer unavailable. The last unavailable
            // presence is not kept, so it carries no status.
            await RouteAsync("unavailable", user, prober, cancellationToken);
        }

        return true;
    }

    private async ValueTask SendToDirectedAsync(IXmppSession session, XmppElement presence, HashSet<Jid> alreadySent, CancellationToken cancellationToken)
    {
        if (session.Items.Get<DirectedPresence>() is not { } directed)
        {
            return;
        }

        foreach (var target in directed.TakeAll())
        {
            // A target that became a subscriber since has just had the broadcast.
            if (!alreadySent.Contains(target))
            {
                await router.RouteAsync(Stamp(presence, session.Jid, target), cancellationToken);
            }
        }
    }

    private ValueTask RouteAsync(string type, Jid from, Jid to, CancellationToken cancellationToken)
    {
        var presence = new XmppElement("presence", Namespaces.Client)
        {
            Type = type,
            From = from.ToString(),
            To = to.ToString(),
        };
        return router.RouteAsync(presence, cancellationToken);
    }

    private static XmppElement CurrentPresence(IXmppSession session)
        => session.Presence ?? new XmppElement("presence", Namespaces.Client);

    /// <summary>A copy of <paramref name="presence"/> for one recipient: each copy gets its own 'to'.</summary>
    private static XmppElement Stamp(XmppElement presence, Jid from, Jid to)
    {
        var copy = presence.Clone();
        copy.From = from.ToString();
        copy.To = to.ToString();
        return copy;
    }
}
