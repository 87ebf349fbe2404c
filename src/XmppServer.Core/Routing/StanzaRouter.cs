using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using XmppServer.Core.Accounts;
using XmppServer.Core.Events;
using XmppServer.Core.Hosting;
using XmppServer.Core.Modules;
using XmppServer.Protocol;

namespace XmppServer.Core.Routing;

/// <summary>
/// Applies the RFC 6120 §8/§10 and RFC 6121 §8.5 rules to every stanza. Stanzas of one sender are processed one at a
/// time by that sender's read loop, and delivery only enqueues, so two entities' stanzas keep their order
/// (RFC 6120 §10.1) and no recipient can slow the router down.
/// </summary>
internal sealed partial class StanzaRouter(
    ModuleRegistry registry,
    SessionManager sessions,
    IAccountStore accounts,
    HostedDomains domains,
    ILogger<StanzaRouter> logger) : IStanzaRouter
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<XmppElement>> _pendingIqs = new();

    /// <summary>A stanza a local client sent, in the order it sent them.</summary>
    public async ValueTask ProcessFromClientAsync(ClientSession session, XmppElement stanza, StanzaKind kind, CancellationToken cancellationToken)
    {
        // RFC 6120 §8.1.2.1: the server stamps 'from' with the full JID of the session; a client cannot spoof it.
        stanza.From = session.Jid.ToString();

        Jid? to = null;
        if (stanza.To is { } toText)
        {
            if (!Jid.TryParse(toText, out to))
            {
                // RFC 6120 §8.3.3.8: an invalid address is answered with jid-malformed (never an error, §8.3.1).
                if (stanza.Type != "error")
                {
                    Reply(session, XmppErrors.ErrorReply(WithoutTo(stanza), StanzaErrorCondition.JidMalformed));
                }

                return;
            }

            stanza.To = to.ToString();
        }

        if (!IsValid(stanza, kind, out var problem))
        {
            if (stanza.Type != "error")
            {
                Reply(session, XmppErrors.ErrorReply(stanza, StanzaErrorCondition.BadRequest, text: problem));
            }

            return;
        }

        var work = new HandlingWork();
        try
        {
            await RouteFromClientAsync(session, new StanzaContext(stanza, kind, session.Jid, to, session) { Work = work }, cancellationToken);
        }
        finally
        {
            // XEP-0198 §4: the stanza is handled once the work its hooks deferred is done too.
            await work.WhenDoneAsync();
        }
    }

    private async ValueTask RouteFromClientAsync(ClientSession session, StanzaContext context, CancellationToken cancellationToken)
    {
        var (stanza, kind, to) = (context.Stanza, context.Kind, context.To);
        if (await registry.RunHooksAsync(new StanzaHookKey(kind, StanzaDirection.Outbound, context.ToKind), context, cancellationToken))
        {
            return;
        }

        switch (kind)
        {
            case StanzaKind.Presence when to is null:
                await ProcessBroadcastPresenceAsync(session, stanza, cancellationToken);
                return;

            // RFC 6120 §10.3.3: an IQ with no 'to' (or to the account itself) is handled on behalf of the account.
            case StanzaKind.Iq when to is null || to == session.Jid.Bare:
                await HandleIqAsync(context with { To = session.Jid.Bare }, IqTarget.Self, cancellationToken);
                return;

            // RFC 6120 §10.3.1: a message with no 'to' is treated as addressed to the sender's bare JID.
            case StanzaKind.Message when to is null:
                stanza.To = session.Jid.Bare.ToString();
                await RouteLocalOrRemoteAsync(context with { To = session.Jid.Bare }, cancellationToken);
                return;

            default:
                await RouteLocalOrRemoteAsync(context, cancellationToken);
                return;
        }
    }

    public async ValueTask RouteAsync(XmppElement stanza, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stanza);
        if (!TryKind(stanza.Name, out var kind) || !Jid.TryParse(stanza.From, out var from) || !Jid.TryParse(stanza.To, out var to))
        {
            Log.UnroutableStanza(logger, stanza.Name);
            return;
        }

        await RouteLocalOrRemoteAsync(new StanzaContext(stanza, kind, from, to, null), cancellationToken);
    }

    /// <summary>
    /// Routes again a stanza that an ended session never acknowledged (see <see cref="StanzaContext.IsRedelivery"/>);
    /// 'from' and 'to' are those it was routed with the first time.
    /// </summary>
    internal async ValueTask RedeliverAsync(XmppElement stanza, CancellationToken cancellationToken)
    {
        if (!TryKind(stanza.Name, out var kind) || !Jid.TryParse(stanza.From, out var from) || !Jid.TryParse(stanza.To, out var to))
        {
            Log.UnroutableStanza(logger, stanza.Name);
            return;
        }

        await RouteLocalOrRemoteAsync(new StanzaContext(stanza, kind, from, to, null) { IsRedelivery = true }, cancellationToken);
    }

    public bool DeliverTo(Jid fullJid, XmppElement stanza)
        => sessions.GetClientSession(fullJid) is { } session && session.Send(stanza);

    public bool DeliverIfRoom(Jid fullJid, XmppElement stanza)
        => sessions.GetClientSession(fullJid) is { } session && session.TrySendWithinBudget(stanza);

    public ValueTask BounceAsync(XmppElement stanza, StanzaErrorCondition condition, string? text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stanza);

        // RFC 6120 §8.3.1: an error stanza is never answered with another error; §8.2.3: nor is an IQ result.
        if (stanza.Type == "error" || (stanza.Name == "iq" && stanza.Type == "result") || stanza.From is null)
        {
            return ValueTask.CompletedTask;
        }

        return RouteAsync(XmppErrors.ErrorReply(stanza, condition, text: text), cancellationToken);
    }

    public async Task<XmppElement> SendIqAsync(XmppElement iq, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(iq);
        var id = iq.Id ??= "s" + Guid.NewGuid().ToString("N");
        var completion = new TaskCompletionSource<XmppElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pendingIqs.TryAdd(id, completion))
        {
            throw new InvalidOperationException($"An IQ with id '{id}' is already pending.");
        }

        try
        {
            await RouteAsync(iq, cancellationToken);
            return await completion.Task.WaitAsync(timeout, cancellationToken);
        }
        finally
        {
            _pendingIqs.TryRemove(id, out _);
        }
    }

    /// <summary>Presence with no 'to': the session's own availability (RFC 6121 §4.2, §4.4, §4.5).</summary>
    private async ValueTask ProcessBroadcastPresenceAsync(ClientSession session, XmppElement presence, CancellationToken cancellationToken)
    {
        // Only available and unavailable presence change availability; other types without 'to' mean nothing here.
        if (presence.Type is not (null or "unavailable"))
        {
            return;
        }

        var wasAvailable = session.UpdatePresence(presence);
        var isInitial = !wasAvailable && session.IsAvailable;
        await registry.PublishAsync(new PresenceBroadcastRequested(session, presence, wasAvailable, isInitial), cancellationToken);
    }

    private async ValueTask RouteLocalOrRemoteAsync(StanzaContext context, CancellationToken cancellationToken)
    {
        var to = context.To!;
        if (!domains.IsLocal(to.Domain))
        {
            // Federation is not served yet: RFC 6120 §8.3.3.15 remote-server-not-found, answered at once.
            await BounceAsync(context.Stanza, StanzaErrorCondition.RemoteServerNotFound, null, cancellationToken);
            return;
        }

        if (to.Local is null)
        {
            await RouteToHostAsync(context, cancellationToken);
            return;
        }

        var bare = to.Bare;
        if (sessions.GetClientSessions(bare).Length == 0 && !await accounts.ExistsAsync(bare, cancellationToken))
        {
            // RFC 6121 §8.5.1: no such account. IQs and messages get service-unavailable; presence is dropped.
            if (context.Kind != StanzaKind.Presence)
            {
                await BounceAsync(context.Stanza, StanzaErrorCondition.ServiceUnavailable, null, cancellationToken);
            }

            return;
        }

        if (await registry.RunHooksAsync(new StanzaHookKey(context.Kind, StanzaDirection.Inbound, context.ToKind), context, cancellationToken))
        {
            return;
        }

        if (to.IsFull)
        {
            await DeliverToFullAsync(context, cancellationToken);
        }
        else
        {
            await DeliverToBareAsync(context, cancellationToken);
        }
    }

    private async ValueTask RouteToHostAsync(StanzaContext context, CancellationToken cancellationToken)
    {
        if (context.Kind == StanzaKind.Iq && context.To!.Resource is null)
        {
            await HandleIqAsync(context, IqTarget.Host, cancellationToken);
            return;
        }

        if (await registry.RunHooksAsync(new StanzaHookKey(context.Kind, StanzaDirection.Inbound, AddressKind.Host), context, cancellationToken))
        {
            return;
        }

        // Nothing on the server answers to this address.
        if (context.Kind == StanzaKind.Iq && context.Type is "get" or "set")
        {
            await BounceAsync(context.Stanza, StanzaErrorCondition.ServiceUnavailable, null, cancellationToken);
        }
    }

    /// <summary>RFC 6121 §8.5.3: a full JID of a local account.</summary>
    private async ValueTask DeliverToFullAsync(StanzaContext context, CancellationToken cancellationToken)
    {
        // §8.5.3.1: the resource is online: deliver whatever the stanza is. A session that refuses it is closing, and
        // counts as gone.
        if (sessions.GetClientSession(context.To!) is { } session && session.Send(context.Stanza))
        {
            if (context.Kind == StanzaKind.Message)
            {
                await registry.PublishAsync(new MessageDelivered(context.Stanza, context.From, context.To!, [session]), cancellationToken);
            }

            return;
        }

        switch (context.Kind)
        {
            // §8.5.3.2.1: normal and chat go to the bare JID; groupchat is refused; headline and error are dropped.
            // RFC 6121 §5.2.2: an unknown type counts as normal.
            case StanzaKind.Message:
                switch (context.Type)
                {
                    case "groupchat":
                        await BounceAsync(context.Stanza, StanzaErrorCondition.ServiceUnavailable, null, cancellationToken);
                        break;
                    case "headline" or "error":
                        break;
                    default:
                        await DeliverMessageToBareAsync(context, cancellationToken);
                        break;
                }

                return;

            // §8.5.3.2.2: presence to an offline resource is dropped (subscription types were routed as bare by the
            // roster hooks, which see Full addresses too).
            case StanzaKind.Presence:
                return;

            // §8.5.3.2.3: an IQ to an offline resource gets service-unavailable.
            default:
                if (context.Type is "get" or "set")
                {
                    await BounceAsync(context.Stanza, StanzaErrorCondition.ServiceUnavailable, null, cancellationToken);
                }

                return;
        }
    }

    /// <summary>RFC 6121 §8.5.2: the bare JID of a local account.</summary>
    private async ValueTask DeliverToBareAsync(StanzaContext context, CancellationToken cancellationToken)
    {
        switch (context.Kind)
        {
            case StanzaKind.Message:
                await DeliverMessageToBareAsync(context, cancellationToken);
                return;

            case StanzaKind.Presence:
                // §8.5.2.1.1: presence goes to every available resource; with none it is dropped.
                foreach (var session in sessions.GetClientSessions(context.To!))
                {
                    if (session.IsAvailable)
                    {
                        session.Send(context.Stanza);
                    }
                }

                return;

            default:
                var target = context.From.Bare == context.To ? IqTarget.Self : IqTarget.Bare;
                await HandleIqAsync(context, target, cancellationToken);
                return;
        }
    }

    private async ValueTask DeliverMessageToBareAsync(StanzaContext context, CancellationToken cancellationToken)
    {
        var bare = context.To!.Bare;
        var all = sessions.GetClientSessions(bare);
        switch (context.Type)
        {
            // §8.5.2.1.1: error messages to a bare JID are dropped.
            case "error":
                return;

            // §8.5.2.1.1: groupchat to a bare JID is refused.
            case "groupchat":
                await BounceAsync(context.Stanza, StanzaErrorCondition.ServiceUnavailable, null, cancellationToken);
                return;

            // §8.5.2.1.1: headline goes to every available resource with non-negative priority, else is dropped.
            case "headline":
                foreach (var session in all)
                {
                    if (session.IsAvailable && session.Priority >= 0)
                    {
                        session.Send(context.Stanza);
                    }
                }

                return;
        }

        // §8.5.2.1.1: normal and chat go to the available resource(s) with the highest non-negative priority; when
        // several share it, all of them get the message (the RFC lets the server choose; this way no device misses it).
        var best = -1;
        foreach (var session in all)
        {
            if (session.IsAvailable && session.Priority >= 0 && session.Priority > best)
            {
                best = session.Priority;
            }
        }

        if (best >= 0)
        {
            var delivered = new List<IXmppSession>(1);
            foreach (var session in all)
            {
                // A session that refuses the message is closing: it does not count as delivered.
                if (session.IsAvailable && session.Priority == best && session.Send(context.Stanza))
                {
                    delivered.Add(session);
                }
            }

            if (delivered.Count > 0)
            {
                await registry.PublishAsync(new MessageDelivered(context.Stanza, context.From, bare, delivered), cancellationToken);
                return;
            }
        }

        // §8.5.2.2: no available resource: offline storage (a module) or service-unavailable.
        var undeliverable = context.To!.IsFull ? context with { To = bare } : context;
        if (!await registry.RunHooksAsync(new StanzaHookKey(StanzaKind.Message, StanzaDirection.Undeliverable, AddressKind.Bare), undeliverable, cancellationToken))
        {
            await BounceAsync(context.Stanza, StanzaErrorCondition.ServiceUnavailable, null, cancellationToken);
        }
    }

    private async ValueTask HandleIqAsync(StanzaContext context, IqTarget target, CancellationToken cancellationToken)
    {
        var stanza = context.Stanza;
        switch (stanza.Type)
        {
            case "result" or "error":
                // An answer to an IQ the server sent; anything else addressed to the server is dropped (§8.2.3).
                if (stanza.Id is { } id && _pendingIqs.TryRemove(id, out var pending))
                {
                    pending.TrySetResult(stanza);
                }

                return;
        }

        var type = stanza.Type == "set" ? IqType.Set : IqType.Get;
        var payload = stanza.FirstElement();
        if (payload is null)
        {
            await ReplyAsync(context, XmppErrors.ErrorReply(stanza, StanzaErrorCondition.BadRequest), cancellationToken);
            return;
        }

        var handler = registry.FindIqHandler(type, payload.Namespace, payload.Name, target);
        if (handler is null && target == IqTarget.Self)
        {
            handler = registry.FindIqHandler(type, payload.Namespace, payload.Name, IqTarget.Bare);
        }

        if (handler is null)
        {
            // RFC 6120 §8.4: a request nobody handles gets service-unavailable.
            await ReplyAsync(context, XmppErrors.ErrorReply(stanza, StanzaErrorCondition.ServiceUnavailable), cancellationToken);
            return;
        }

        IqResult result;
        try
        {
            result = await handler(new IqContext(stanza, payload, type, context.From, context.To!, context.Origin), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The peer learns that something failed, never what (no exception text on the wire).
            Log.IqHandlerFailed(logger, ex, payload.Namespace, payload.Name);
            result = IqResult.Fail(StanzaErrorCondition.InternalServerError);
        }

        if (result.IsHandled)
        {
            return;
        }

        XmppElement reply;
        if (result.Error is { } condition)
        {
            reply = XmppErrors.ErrorReply(stanza, condition, result.ErrorType, result.ErrorText);
        }
        else
        {
            reply = new XmppElement("iq", Namespaces.Client) { Type = "result", Id = stanza.Id };
            reply.To = stanza.From;
            if (stanza.To is { } addressed)
            {
                reply.From = addressed;
            }

            if (result.Payload is { } resultPayload)
            {
                reply.Add(resultPayload);
            }
        }

        await ReplyAsync(context, reply, cancellationToken);
    }

    /// <summary>Sends a reply to the sender: straight into its queue when it is a local session, else through routing.</summary>
    private ValueTask ReplyAsync(StanzaContext context, XmppElement reply, CancellationToken cancellationToken)
    {
        if (context.Origin is { } origin && reply.To == origin.Jid.ToString())
        {
            origin.Send(reply);
            return ValueTask.CompletedTask;
        }

        return reply.To is null ? ValueTask.CompletedTask : RouteAsync(reply, cancellationToken);
    }

    private static void Reply(ClientSession session, XmppElement reply)
    {
        reply.To = session.Jid.ToString();
        session.Send(reply);
    }

    private static XmppElement WithoutTo(XmppElement stanza)
    {
        var copy = new XmppElement(stanza.Name, stanza.Namespace) { Id = stanza.Id, Type = stanza.Type, From = stanza.From };
        return copy;
    }

    /// <summary>RFC 6120 §8.2.3 and RFC 6121 §4.7.1, §5.2.2: the attributes each kind must carry.</summary>
    private static bool IsValid(XmppElement stanza, StanzaKind kind, out string? problem)
    {
        problem = null;
        switch (kind)
        {
            case StanzaKind.Iq:
                if (stanza.Id is null)
                {
                    problem = "An IQ needs an id";
                    return false;
                }

                switch (stanza.Type)
                {
                    case "get" or "set":
                        var children = 0;
                        foreach (var _ in stanza.Elements())
                        {
                            children++;
                        }

                        if (children != 1)
                        {
                            problem = "An IQ get or set carries exactly one payload";
                            return false;
                        }

                        return true;
                    case "result" or "error":
                        return true;
                    default:
                        problem = "Unknown IQ type";
                        return false;
                }

            case StanzaKind.Presence:
                if (stanza.Type is null or "unavailable" or "subscribe" or "subscribed" or "unsubscribe" or "unsubscribed" or "probe" or "error")
                {
                    return true;
                }

                problem = "Unknown presence type";
                return false;

            default:
                // RFC 6121 §5.2.2: an unknown message type is treated as normal.
                return true;
        }
    }

    internal static bool TryKind(string name, out StanzaKind kind)
    {
        switch (name)
        {
            case "message":
                kind = StanzaKind.Message;
                return true;
            case "presence":
                kind = StanzaKind.Presence;
                return true;
            case "iq":
                kind = StanzaKind.Iq;
                return true;
            default:
                kind = default;
                return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(300, LogLevel.Warning, "Dropped a <{Name}/> the server generated without valid from/to", EventName = "UnroutableStanza")]
        public static partial void UnroutableStanza(ILogger logger, string name);

        [LoggerMessage(301, LogLevel.Error, "IQ handler for {{{Namespace}}}{Name} failed", EventName = "IqHandlerFailed")]
        public static partial void IqHandlerFailed(ILogger logger, Exception exception, string @namespace, string name);
    }
}
