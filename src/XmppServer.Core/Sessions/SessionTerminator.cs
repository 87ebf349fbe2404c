using Microsoft.Extensions.Logging;
using XmppServer.Core.Events;
using XmppServer.Core.Modules;
using XmppServer.Core.Routing;
using XmppServer.Protocol;

namespace XmppServer.Core;

/// <summary>
/// Ends a session, wherever that happens (its connection closing, or a XEP-0198 resumption window running out): it
/// leaves the session manager, what it never acknowledged or never received goes back to routing, and the modules
/// hear SessionClosed. Nothing accepted for the session is dropped.
/// </summary>
internal sealed partial class SessionTerminator(
    SessionManager sessions,
    StanzaRouter router,
    ModuleRegistry registry,
    ResumableSessions resumable,
    ILogger<SessionTerminator> logger)
{
    /// <summary>Cleans up after <see cref="ClientSession.TryEnd"/> returned true. The write loop must have stopped.</summary>
    public async Task EndAsync(ClientSession session)
    {
        sessions.Remove(session);
        session.MarkClosing();
        if (session.StreamManagement is { } sm)
        {
            resumable.Remove(sm.Id);

            // XEP-0198 §5: stanzas the client never acknowledged may not have reached it; they are routed again
            // (to another resource, or offline storage now that this one is unbound), oldest first.
            foreach (var stanza in sm.TakeUnacked())
            {
                await RequeueAsync(session, stanza);
            }
        }

        // Stanzas still queued never reached the client (RFC 6121 §8.5.3.2.1), nor did those an outbound filter held:
        // MarkClosing put them in the queue.
        while (session.TryTakeQueued(out var queued))
        {
            session.Dequeued(queued.Size);
            await RequeueAsync(session, queued.Stanza);
        }

        if (session.TryBeginClosedPublication())
        {
            await registry.PublishAsync(new SessionClosed(session, session.IsAvailable), CancellationToken.None);
        }

        Log.SessionEnded(logger, session.Id, session.Jid.ToString());
    }

    /// <summary>Ends a hibernating session (its resumption window closed, or it must go: a conflict, an overflow).</summary>
    public async ValueTask EndIfHibernatingAsync(ClientSession session)
    {
        if (session.TryEnd(null))
        {
            await EndAsync(session);
        }
    }

    private async ValueTask RequeueAsync(ClientSession session, XmppElement stanza)
    {
        try
        {
            // Anything not listed is dropped. Presence above all: RFC 6121 §8.5.3.2.2, availability for a full JID
            // with no resource is silently ignored (the contact's current presence reaches the next session by probe,
            // §4.3), and a subscription request is kept by the roster and sent again at the next login (§3.1.3).
            switch (stanza.Name)
            {
                // RFC 6121 §5.2.2: an unknown message type counts as normal; headline, groupchat and error are not
                // worth keeping (§8.5.3.2.1).
                case "message" when stanza.Type is not ("headline" or "groupchat" or "error"):
                    if (!WasFannedOut(session, stanza))
                    {
                        await router.RedeliverAsync(stanza, CancellationToken.None);
                    }

                    break;

                // RFC 6121 §8.5.3.2.3: a request that cannot reach its resource is answered with service-unavailable.
                case "iq" when stanza.Type is "get" or "set":
                    await router.BounceAsync(stanza, StanzaErrorCondition.ServiceUnavailable, null, CancellationToken.None);
                    break;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.RequeueFailed(logger, ex, session.Id);
        }
    }

    /// <summary>
    /// A message sent to the bare JID went to every resource sharing the top priority (RFC 6121 §8.5.2.1.1); when
    /// another resource of this one's priority is still available it got the message too, and routing it again would
    /// duplicate it there.
    /// </summary>
    private bool WasFannedOut(ClientSession session, XmppElement message)
    {
        if (message.To is not { } to || !Jid.TryParse(to, out var address) || address.IsFull)
        {
            return false;
        }

        foreach (var other in sessions.GetClientSessions(session.Jid.Bare))
        {
            if (!ReferenceEquals(other, session) && other.IsAvailable && other.Priority == session.Priority && session.Priority >= 0)
            {
                return true;
            }
        }

        return false;
    }

    private static partial class Log
    {
        [LoggerMessage(230, LogLevel.Information, "Session {Jid} ended (connection {ConnectionId})", EventName = "SessionEnded")]
        public static partial void SessionEnded(ILogger logger, string connectionId, string jid);

        [LoggerMessage(231, LogLevel.Error, "Routing again what session {ConnectionId} left failed", EventName = "RequeueFailed")]
        public static partial void RequeueFailed(ILogger logger, Exception exception, string connectionId);
    }
}
