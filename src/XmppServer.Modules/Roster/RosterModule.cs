using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using XmppServer.Core;
using XmppServer.Core.Events;
using XmppServer.Core.Modules;
using XmppServer.Core.Routing;
using XmppServer.Protocol;

namespace XmppServer.Modules.Roster;

/// <summary>
/// The roster (RFC 6121 §2) with roster versioning (XEP-0237), and presence subscriptions (RFC 6121 §3) with
/// pre-approval (§3.4). Subscription stanzas never reach the core's default delivery: this module keeps the roster
/// of both ends in step with RFC 6121 Appendix A and decides what is routed, delivered and pushed.
/// </summary>
[Xep(237, "1.3")]
public sealed partial class RosterModule(
    IRosterStore store,
    IStanzaRouter router,
    ISessionManager sessions,
    IOptions<RosterOptions> options,
    ILogger<RosterModule> logger,
    TimeProvider? timeProvider = null) : IXmppModule
{
    private readonly RosterOptions _options = options.Value;
    private readonly SubscriptionRateLimiter _subscriptionRequests = new(options.Value.MaxSubscriptionRequestsPerMinute, timeProvider ?? TimeProvider.System);
    private long _pushCounter;

    public void Configure(IModuleBuilder module)
    {
        ArgumentNullException.ThrowIfNull(module);
        module.AddFeature(Namespaces.Roster);

        // XEP-0237 §3 / RFC 6121 §2.6.1: roster versioning is a stream feature.
        module.AddStreamFeature(StreamFeatureStage.Authenticated, static _ => new XmppElement("ver", Namespaces.RosterVersioning));

        // RFC 6121 §3.4: pre-approval is offered as a stream feature too.
        module.AddStreamFeature(StreamFeatureStage.Authenticated, static _ => new XmppElement("sub", Namespaces.PresenceSubscriptionPreApproval));

        // Registered for Account, not only Self, so that another entity's roster request gets forbidden
        // (RFC 6121 §2.1.5, §2.3.3) rather than service-unavailable.
        module.HandleIq(IqType.Get, Namespaces.Roster, "query", IqTarget.Account, GetAsync);
        module.HandleIq(IqType.Set, Namespaces.Roster, "query", IqTarget.Account, SetAsync);

        // RFC 6121 §3: subscription stanzas sent by the user, whatever the shape of the contact's address (a
        // gateway's domain JID can be a contact), and those arriving for the user.
        foreach (var to in (ReadOnlySpan<AddressKind>)[AddressKind.Host, AddressKind.Bare, AddressKind.Full])
        {
            module.Hook(new StanzaHookKey(StanzaKind.Presence, StanzaDirection.Outbound, to), HandleOutboundAsync);
        }

        foreach (var to in (ReadOnlySpan<AddressKind>)[AddressKind.Bare, AddressKind.Full])
        {
            module.Hook(new StanzaHookKey(StanzaKind.Presence, StanzaDirection.Inbound, to), HandleInboundAsync);
        }

        module.On<PresenceBroadcastRequested>(OnPresenceBroadcastAsync);
        module.On<UserDeleted>(OnUserDeletedAsync);
    }

    private async ValueTask<IqResult> GetAsync(IqContext context, CancellationToken cancellationToken)
    {
        // RFC 6121 §2.1.3: only the user may read the roster.
        if (!context.IsSelf)
        {
            return IqResult.Fail(StanzaErrorCondition.Forbidden);
        }

        // RFC 6121 §2.1.6: a resource that requested the roster is "interested" and gets roster pushes.
        if (context.Session is { } session)
        {
            session.IsRosterInterested = true;
        }

        var roster = await store.GetRosterAsync(context.To, cancellationToken);

        // XEP-0237 §4 / RFC 6121 §2.6.3: when the client's cached version is current, an empty result says so and
        // any later change reaches it as a roster push. A different or empty 'ver' gets the whole roster.
        var clientVersion = context.Payload.GetAttribute("ver");
        if (clientVersion is not null && clientVersion == roster.Version)
        {
            return IqResult.Empty;
        }

        // RFC 6121 §2.1.4: the result lists every item (pending inbound requests are not items, §3.1.3).
        return IqResult.With(RosterXml.Query(roster.Version, roster.Items));
    }

    private async ValueTask<IqResult> SetAsync(IqContext context, CancellationToken cancellationToken)
    {
        // RFC 6121 §2.3.3: a roster set from anyone but the user is forbidden.
        if (!context.IsSelf)
        {
            return IqResult.Fail(StanzaErrorCondition.Forbidden);
        }

        if (RosterSetRequest.TryParse(context.Payload, _options, out var request) is { } error)
        {
            return error;
        }

        var user = context.To;
        var contact = request!.Jid;

        // The user is implicitly subscribed to their own presence (RFC 6121 §4.2.2); an item for it would only
        // confuse the subscription machinery. Prosody refuses it with not-allowed as well.
        if (contact == user)
        {
            return IqResult.Fail(StanzaErrorCondition.NotAllowed, text: "You cannot add yourself to your roster.");
        }

        return request.Remove
            ? await RemoveAsync(user, contact, cancellationToken)
            : await AddOrUpdateAsync(user, request, cancellationToken);
    }

    private async ValueTask<IqResult> AddOrUpdateAsync(Jid user, RosterSetRequest request, CancellationToken cancellationToken)
    {
        // RFC 6121 §2.3.2, §2.4.2: only the name and groups come from the client; subscription state is kept.
        var update = await store.UpdateAsync(
            user,
            request.Jid,
            entry => entry with { Item = (entry.Item ?? RosterItem.Create(request.Jid)) with { Name = request.Name, Groups = request.Groups } },
            _options.MaxItems,
            cancellationToken);

        if (update.LimitReached)
        {
            // Prosody answers a full roster with resource-constraint "Roster is full"; retrying will not help, so cancel.
            Log.RosterFull(logger, user, _options.MaxItems);
            return IqResult.Fail(StanzaErrorCondition.ResourceConstraint, StanzaErrorType.Cancel, "Roster is full.");
        }

        // RFC 6121 §2.3.2: push the new or changed item to every interested resource, the requester included.
        Push(user, update);
        return IqResult.Empty;
    }

    private async ValueTask<IqResult> RemoveAsync(Jid user, Jid contact, CancellationToken cancellationToken)
    {
        var update = await store.UpdateAsync(user, contact, static _ => RosterEntry.Empty, _options.MaxItems, cancellationToken);
        var before = update.Before;

        // RFC 6121 §2.5.3: removing an item that is not in the roster is item-not-found. A pending request from a
        // contact that is not in the roster is dropped too (and denied below), which is what the user asked for.
        if (before.IsEmpty)
        {
            return IqResult.Fail(StanzaErrorCondition.ItemNotFound);
        }

        var subscription = before.Item?.Subscription ?? RosterSubscription.None;

        // RFC 6121 §2.5.2: cancel the user's subscription to the contact (or the pending request for one) ...
        if (subscription.HasTo() || before.Item?.Ask == true)
        {
            await RouteFromUserAsync(user, contact, "unsubscribe", cancellationToken);
        }

        // ... and the contact's subscription to the user (or deny the request the contact made).
        if (subscription.HasFrom() || before.PendingIn is not null)
        {
            await RouteFromUserAsync(user, contact, "unsubscribed", cancellationToken);
        }

        // RFC 6121 §3.2.2: a contact that loses its subscription sees the user go offline.
        if (subscription.HasFrom())
        {
            await SendPresenceOfAvailableResourcesAsync(user, contact, available: false, cancellationToken);
        }

        // RFC 6121 §2.5.2: push the removal to every interested resource.
        Push(user, update);
        return IqResult.Empty;
    }

    private ValueTask OnUserDeletedAsync(UserDeleted deleted, CancellationToken cancellationToken)
        => store.DeleteUserAsync(deleted.User.Bare, cancellationToken);

    /// <summary>Sends a roster push (RFC 6121 §2.1.6) for a changed item to every interested resource of the user.</summary>
    private void Push(Jid user, RosterUpdate update)
    {
        if (!update.ItemChanged)
        {
            return;
        }

        var item = update.After.Item is { } after ? RosterXml.Item(after) : RosterXml.RemovedItem(update.Before.Item!.Jid);
        foreach (var session in sessions.GetSessions(user))
        {
            if (!session.IsRosterInterested)
            {
                continue;
            }

            // RFC 6121 §2.1.6: the push has no 'from' (it comes from the user's own account), and carries the new
            // version (§2.6.3) so that the client can keep its cache current.
            var push = new XmppElement("iq", Namespaces.Client)
            {
                Type = "set",
                Id = "push" + Interlocked.Increment(ref _pushCounter).ToString(CultureInfo.InvariantCulture),
                To = session.Jid.ToString(),
            };
            push.AddElement("query", Namespaces.Roster).SetAttribute("ver", update.Version).Add(item);
            router.DeliverTo(session.Jid, push);
        }
    }
}
