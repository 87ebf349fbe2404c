using XmppServer.Core.Events;
using XmppServer.Core.Routing;
using XmppServer.Protocol;

namespace XmppServer.Modules.Roster;

public sealed partial class RosterModule
{
    /// <summary>A subscription stanza from one of the user's resources (RFC 6121 §3, Appendix A.2).</summary>
    private async ValueTask<bool> HandleOutboundAsync(StanzaContext context, CancellationToken cancellationToken)
    {
        if (context.To is null || !SubscriptionRules.TryParseType(context.Type, out var type))
        {
            return false;
        }

        var user = context.From.Bare;
        var contact = context.To.Bare;

        // The user is implicitly subscribed to their own presence (RFC 6121 §4.2.2); there is nothing to manage.
        if (contact == user)
        {
            return true;
        }

        if (type == SubscriptionType.Subscribe && !_subscriptionRequests.TryTake(user))
        {
            // Subscription spam: past Xmpp:Roster:MaxSubscriptionRequestsPerMinute the request goes nowhere and
            // changes no roster. RFC 6120 §8.3.3.12 policy-violation with type "wait" (the local policy is a rate;
            // retrying later works) rather than §8.3.3.18 resource-constraint, which would blame the server's load.
            // Both are core conditions every client shows; the text says what to do.
            Log.SubscriptionRateLimited(logger, user, _options.MaxSubscriptionRequestsPerMinute);
            var error = XmppErrors.ErrorReply(context.Stanza, StanzaErrorCondition.PolicyViolation, StanzaErrorType.Wait, "Too many subscription requests; try again in a minute.");
            await router.RouteAsync(error, cancellationToken);
            return true;
        }

        var outcome = default(SubscriptionOutcome);
        var update = await store.UpdateAsync(
            user,
            contact,
            entry => (outcome = SubscriptionRules.Outbound(type, entry, contact)).After,
            _options.MaxItems,
            cancellationToken);

        if (update.LimitReached)
        {
            Log.RosterFull(logger, user, _options.MaxItems);
            await router.BounceAsync(context.Stanza, StanzaErrorCondition.ResourceConstraint, "Roster is full.", cancellationToken);
            return true;
        }

        // RFC 6121 §3.1.2, §3.2.2, §3.3.2, §3.4.1: every change of the item is pushed to the interested resources.
        Push(user, update);

        if (outcome.Has(SubscriptionEffects.Route))
        {
            // RFC 6121 §3.1.2: the server stamps the user's bare JID as 'from' and routes to the contact's bare JID.
            var stanza = context.Stanza;
            stanza.From = user.ToString();
            stanza.To = contact.ToString();
            await router.RouteAsync(stanza, cancellationToken);
        }
        else
        {
            Log.SubscriptionNotRouted(logger, context.Type!, user, contact);
        }

        await ApplyPresenceEffectsAsync(outcome.Effects, user, contact, cancellationToken);
        return true;
    }

    /// <summary>A subscription stanza from a contact to the user (RFC 6121 §3, Appendix A.3).</summary>
    private async ValueTask<bool> HandleInboundAsync(StanzaContext context, CancellationToken cancellationToken)
    {
        if (context.To is not { Local: not null } to || !SubscriptionRules.TryParseType(context.Type, out var type))
        {
            return false;
        }

        var user = to.Bare;
        var contact = context.From.Bare;
        if (contact == user)
        {
            return true;
        }

        // RFC 6121 §3.1.3: the request is stored with its content; only the status text is kept here.
        var status = type == SubscriptionType.Subscribe ? context.Stanza.ElementText("status", Namespaces.Client) : null;
        var outcome = default(SubscriptionOutcome);
        var update = await store.UpdateAsync(
            user,
            contact,
            entry => (outcome = SubscriptionRules.Inbound(type, entry, contact, status)).After,
            _options.MaxItems,
            cancellationToken);

        if (update.LimitReached)
        {
            // Too many unanswered requests: drop silently (RFC 6121 §3.1.3 gives the contact no error to expect).
            Log.RosterFull(logger, user, _options.MaxItems);
            return true;
        }

        Push(user, update);

        if (outcome.Has(SubscriptionEffects.Deliver))
        {
            // RFC 6121 §3.1.3, §3.1.6, §3.2.3, §3.3.3: deliver to every available resource of the user, from the
            // contact's bare JID. With none available, a request stays stored and is delivered at the next login.
            var stanza = context.Stanza;
            stanza.From = contact.ToString();
            stanza.To = user.ToString();
            DeliverToAvailableResources(user, stanza);
        }
        else if (!outcome.Has(SubscriptionEffects.AutoReplySubscribed))
        {
            // Appendix A.3: "no" rows are dropped silently, never bounced.
            Log.SubscriptionDropped(logger, context.Type!, contact, user);
        }

        if (outcome.Has(SubscriptionEffects.AutoReplySubscribed))
        {
            // RFC 6121 §3.1.3 (already subscribed) and §3.4.2 (pre-approved): 'subscribed' on the user's behalf.
            await RouteFromUserAsync(user, contact, "subscribed", cancellationToken);
        }

        await ApplyPresenceEffectsAsync(outcome.Effects, user, contact, cancellationToken);
        return true;
    }

    /// <summary>
    /// RFC 6121 §3.1.3: a request stored while the user was offline is delivered "when the contact next has an
    /// available resource", and again at every later login until the user approves or denies it.
    /// </summary>
    private async ValueTask OnPresenceBroadcastAsync(PresenceBroadcastRequested broadcast, CancellationToken cancellationToken)
    {
        if (!broadcast.IsInitial)
        {
            return;
        }

        var session = broadcast.Session;
        var user = session.Jid.Bare;
        foreach (var pending in await store.GetPendingSubscriptionsAsync(user, cancellationToken))
        {
            var request = new XmppElement("presence", Namespaces.Client)
            {
                Type = "subscribe",
                From = pending.Contact.ToString(),
                To = user.ToString(),
            };
            if (pending.Status is { } status)
            {
                request.AddTextElement("status", Namespaces.Client, status);
            }

            router.DeliverTo(session.Jid, request);
        }
    }

    private async ValueTask ApplyPresenceEffectsAsync(SubscriptionEffects effects, Jid user, Jid contact, CancellationToken cancellationToken)
    {
        // RFC 6121 §3.1.5: a contact that was just granted a subscription gets the user's current presence.
        if ((effects & SubscriptionEffects.SendAvailablePresence) != 0)
        {
            await SendPresenceOfAvailableResourcesAsync(user, contact, available: true, cancellationToken);
        }

        // RFC 6121 §3.2.2, §3.3.3: a contact whose subscription ended sees every resource of the user go offline.
        if ((effects & SubscriptionEffects.SendUnavailablePresence) != 0)
        {
            await SendPresenceOfAvailableResourcesAsync(user, contact, available: false, cancellationToken);
        }
    }

    private async ValueTask SendPresenceOfAvailableResourcesAsync(Jid user, Jid contact, bool available, CancellationToken cancellationToken)
    {
        foreach (var session in sessions.GetSessions(user))
        {
            if (!session.IsAvailable)
            {
                continue;
            }

            XmppElement presence;
            if (available && session.Presence is { } current)
            {
                presence = current.Clone();
            }
            else
            {
                presence = new XmppElement("presence", Namespaces.Client);
                if (!available)
                {
                    presence.Type = "unavailable";
                }
            }

            presence.From = session.Jid.ToString();
            presence.To = contact.ToString();
            await router.RouteAsync(presence, cancellationToken);
        }
    }

    private ValueTask RouteFromUserAsync(Jid user, Jid contact, string type, CancellationToken cancellationToken)
    {
        var presence = new XmppElement("presence", Namespaces.Client)
        {
            Type = type,
            From = user.ToString(),
            To = contact.ToString(),
        };
        return router.RouteAsync(presence, cancellationToken);
    }

    private void DeliverToAvailableResources(Jid user, XmppElement stanza)
    {
        foreach (var session in sessions.GetSessions(user))
        {
            if (session.IsAvailable)
            {
                router.DeliverTo(session.Jid, stanza);
            }
        }
    }
}
