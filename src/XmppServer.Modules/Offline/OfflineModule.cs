using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using XmppServer.Core;
using XmppServer.Core.Events;
using XmppServer.Core.Modules;
using XmppServer.Core.Routing;
using XmppServer.Protocol;

namespace XmppServer.Modules.Offline;

/// <summary>
/// Offline messages (XEP-0160): a chat or normal message for an account with no available resource of non-negative
/// priority is stored, and delivered with a XEP-0203 delay notation when the user next sends available presence
/// with a non-negative priority.
/// </summary>
[Xep(160, "1.0.1")]
[Xep(203, "2.0")]
public sealed class OfflineModule : IXmppModule
{
    /// <summary>Registered disco#info feature (XEP-0160 §4).</summary>
    public const string Feature = "msgoffline";

    // Two resources of one account coming online together (typically after a server restart) must not both be
    // given the same stored messages; a small fixed set of locks, picked by account, serialises their flushes
    // without keeping a lock per account alive.
    private const int FlushLockCount = 64;

    private readonly IOfflineStore _store;
    private readonly ISessionManager _sessions;
    private readonly Lazy<IStanzaRouter> _router;
    private readonly TimeProvider _time;
    private readonly OfflineOptions _options;
    private readonly ILogger<OfflineModule> _logger;
    private readonly SemaphoreSlim[] _flushLocks;

    public OfflineModule(
        IStanzaRouter router,
        IOfflineStore store,
        ISessionManager sessions,
        TimeProvider timeProvider,
        IOptions<OfflineOptions> options,
        ILogger<OfflineModule> logger)
        : this(() => router, store, sessions, timeProvider, options, logger)
    {
    }

    internal OfflineModule(
        Func<IStanzaRouter> router,
        IOfflineStore store,
        ISessionManager sessions,
        TimeProvider timeProvider,
        IOptions<OfflineOptions> options,
        ILogger<OfflineModule> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _sessions = sessions;
        _router = new Lazy<IStanzaRouter>(router);
        _time = timeProvider;
        _options = options.Value;
        _logger = logger;
        _flushLocks = new SemaphoreSlim[FlushLockCount];
        for (var i = 0; i < _flushLocks.Length; i++)
        {
            _flushLocks[i] = new SemaphoreSlim(1, 1);
        }
    }

    public void Configure(IModuleBuilder module)
    {
        ArgumentNullException.ThrowIfNull(module);

        // XEP-0160 §4: a server that stores offline messages advertises "msgoffline".
        module.AddFeature(Feature);
        module.Hook(new StanzaHookKey(StanzaKind.Message, StanzaDirection.Undeliverable, AddressKind.Bare), StoreAsync);

        // After the archive's hook (which stamps the stanza-id the stored copy must carry).
        module.Hook(new StanzaHookKey(StanzaKind.Message, StanzaDirection.Inbound, AddressKind.Bare), HoldBehindStoredAsync);
        module.On<PresenceBroadcastRequested>(OnPresenceAsync);
        module.On<OutboundQueueDrained>(OnQueueDrainedAsync);
        module.On<UserDeleted>(OnUserDeletedAsync);
    }

    /// <summary>
    /// A message for the bare JID while the resources it would go to have just become available and are still owed
    /// their stored messages (XEP-0160 §2): delivered live it would overtake older messages of the same sender still
    /// in storage (RFC 6120 §10.1 keeps one sender's stanzas in order). It joins them instead, and the flush delivers
    /// it after them.
    /// </summary>
    private async ValueTask<bool> HoldBehindStoredAsync(StanzaContext context, CancellationToken cancellationToken)
    {
        if (context.To is not { Local: not null } to || !IsOwedStoredMessages(to.Bare)
            || OfflineStoragePolicy.Decide(context.Stanza) != OfflineDecision.Store)
        {
            return false;
        }

        // Storage full or failing: better live and early than not at all.
        return await StoreAsync(context, to.Bare, bounceWhenFull: false, cancellationToken);
    }

    /// <summary>
    /// True when the resources a message for the bare JID goes to (RFC 6121 §8.5.2.1.1: available, and of the highest
    /// non-negative priority) have all become available without having been given the stored messages yet.
    /// </summary>
    private bool IsOwedStoredMessages(Jid user)
    {
        var sessions = _sessions.GetSessions(user);
        var best = -1;
        foreach (var session in sessions)
        {
            if (session.IsAvailable && session.Priority > best)
            {
                best = session.Priority;
            }
        }

        if (best < 0)
        {
            return false;
        }

        foreach (var session in sessions)
        {
            if (session.IsAvailable && session.Priority == best
                && ReferenceEquals(session.Items.Get<OfflineSessionState>(), OfflineSessionState.Delivered))
            {
                return false;
            }
        }

        return true;
    }

    private ValueTask<bool> StoreAsync(StanzaContext context, CancellationToken cancellationToken)
        => context.To is { Local: not null } to ? StoreAsync(context, to.Bare, bounceWhenFull: true, cancellationToken) : ValueTask.FromResult(false);

    private async ValueTask<bool> StoreAsync(StanzaContext context, Jid user, bool bounceWhenFull, CancellationToken cancellationToken)
    {
        switch (OfflineStoragePolicy.Decide(context.Stanza))
        {
            case OfflineDecision.Refuse:
                return false;
            case OfflineDecision.Drop:
                // XEP-0160 §3: chat-state-only (and other content-free) messages are not stored; bouncing them would
                // only show the sender errors for typing notifications.
                Log.MessageDropped(_logger, user);
                return true;
        }

        // The routed stanza may be shared with other recipients: store a copy.
        var message = context.Stanza.Clone();
        DelayNotation.RemoveForged(message, user.DomainJid);

        OfflineStoreResult result;
        try
        {
            result = await _store.StoreAsync(user, message, _time.GetUtcNow(), _options.MaxMessagesPerUser, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Not stored means not accepted: returning false lets the router bounce service-unavailable, so the
            // sender knows the message went nowhere (RFC 6121 §8.5.2.2.1).
            Log.StoreFailed(_logger, user, exception);
            return false;
        }

        if (result == OfflineStoreResult.Full && !bounceWhenFull)
        {
            return false;
        }

        if (result == OfflineStoreResult.Full)
        {
            // XEP-0160 §2 answers a full queue with service-unavailable; resource-constraint (RFC 6120 §8.3.3.18,
            // type wait) says more precisely that the recipient exists and that a later retry may succeed.
            Log.StorageFull(_logger, user, _options.MaxMessagesPerUser);
            await _router.Value.BounceAsync(context.Stanza, StanzaErrorCondition.ResourceConstraint, "offline storage full", cancellationToken);
            return true;
        }

        Log.MessageStored(_logger, user);

        // A resource may have become available between the router finding none and this commit, and flushed the store
        // before this message was in it. Flush again for it, so the message does not wait for the next login.
        foreach (var session in _sessions.GetSessions(user))
        {
            if (session.IsAvailable && session.Priority >= 0 && session.Items.Get<OfflineSessionState>() is not null)
            {
                await FlushAsync(session, cancellationToken);
                break;
            }
        }

        return true;
    }

    private async ValueTask OnPresenceAsync(PresenceBroadcastRequested @event, CancellationToken cancellationToken)
    {
        var session = @event.Session;

        // XEP-0160 §2 and RFC 6121 §8.5.2.2: stored messages go to a resource once it sends available presence with
        // a non-negative priority. A resource that turns unavailable or negative stops receiving messages for the
        // bare JID, so new ones are stored again and it is owed another flush when it comes back.
        if (@event.Presence.Type is not null || !session.IsAvailable || session.Priority < 0)
        {
            session.Items.Remove<OfflineSessionState>();
            return;
        }

        if (!@event.IsInitial && session.Items.Get<OfflineSessionState>() is not null)
        {
            return;
        }

        // Until the flush is over, new messages for this resource join the stored ones (HoldBehindStoredAsync). A flush
        // that fails leaves it so: each new message is then stored and flushes again, oldest first.
        session.Items.Set(OfflineSessionState.Flushing);
        await FlushAsync(session, cancellationToken);
    }

    /// <summary>A flush stopped at a full queue goes on once the client has read half of it.</summary>
    private async ValueTask OnQueueDrainedAsync(OutboundQueueDrained @event, CancellationToken cancellationToken)
    {
        var session = @event.Session;
        if (session.IsAvailable && session.Priority >= 0 && session.Items.Get<OfflineSessionState>() is not null)
        {
            await FlushAsync(session, cancellationToken);
        }
    }

    /// <summary>
    /// Delivers what is stored; the session has been given it all once nothing stayed behind. A flush stopped at a
    /// full queue leaves the session Flushing, so that new messages keep joining the stored ones until the queue has
    /// drained and the flush is done (<see cref="OnQueueDrainedAsync"/>).
    /// </summary>
    private async ValueTask FlushAsync(IXmppSession session, CancellationToken cancellationToken)
    {
        if (await DeliverAsync(session, cancellationToken) && ReferenceEquals(session.Items.Get<OfflineSessionState>(), OfflineSessionState.Flushing))
        {
            session.Items.Set(OfflineSessionState.Delivered);
        }
    }

    /// <summary>Hands the stored messages to the session in order; true when none stayed behind.</summary>
    private async ValueTask<bool> DeliverAsync(IXmppSession session, CancellationToken cancellationToken)
    {
        var user = session.Jid.Bare;
        var gate = _flushLocks[(uint)user.GetHashCode() % FlushLockCount];
        await gate.WaitAsync(cancellationToken);
        try
        {
            var messages = await _store.LoadAsync(user, cancellationToken);
            if (messages.Count == 0)
            {
                return true;
            }

            var delivered = new List<long>(messages.Count);
            foreach (var message in messages)
            {
                // XEP-0160 §2 recommends, and XEP-0203 §2 defines, one delay notation added by the delivering server.
                var stanza = message.Stanza;
                stanza.Add(DelayNotation.Create(user.Domain, message.Stamp));

                // In arrival order; once the session is gone or its queue has no room, the rest stay stored rather
                // than being delivered out of order: for the next login, or (the session told us when it has room
                // again) the rest of this flush.
                if (!_router.Value.DeliverIfRoom(session.Jid, stanza))
                {
                    break;
                }

                delivered.Add(message.Id);
            }

            // Only what was handed to the session leaves the store.
            if (delivered.Count > 0)
            {
                await _store.RemoveAsync(user, delivered, cancellationToken);
            }

            Log.MessagesDelivered(_logger, user, delivered.Count, messages.Count);
            return delivered.Count == messages.Count;
        }
        finally
        {
            gate.Release();
        }
    }

    private async ValueTask OnUserDeletedAsync(UserDeleted @event, CancellationToken cancellationToken)
    {
        // The event may be published by the CLI in another process: touch storage only.
        await _store.DeleteAllAsync(@event.User.Bare, cancellationToken);
        Log.MessagesDeleted(_logger, @event.User.Bare);
    }
}
