using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using XmppServer.Core.Events;
using XmppServer.Core.Modules;
using XmppServer.Core.Routing;
using XmppServer.Modules.Roster;
using XmppServer.Protocol;

namespace XmppServer.Modules.Mam;

/// <summary>
/// Message Archive Management for user archives (XEP-0313): every chat and normal message with content that a local
/// account sends or receives is archived once in that account's archive, the recipient's copy is stamped with a
/// XEP-0359 stanza-id naming its archive id, and the account's clients page through the archive with XEP-0059.
/// Archiving preferences are those of XEP-0441 (the preferences formerly in XEP-0313).
/// </summary>
/// <remarks>
/// Modules do not reference each other's classes, but the 'roster' preference depends on who is in the user's
/// roster, so this module reads it through <see cref="IRosterStore"/>, the roster feature's store interface (as the
/// presence module does). It never changes the roster.
/// </remarks>
[Xep(313, "1.1.3")]
[Xep(359, "0.7.0")]
[Xep(59, "1.0")]
[Xep(441, "0.2.0")]
public sealed partial class MamModule : IXmppModule
{
    /// <summary>
    /// Inbound: ahead of every other hook, so anything that looks at or copies the message sees the stanza-id.
    /// </summary>
    internal const int InboundHookPriority = 1000;

    /// <summary>
    /// Outbound: after the hooks that may consume a message (priority 0 and above; a message never sent is not
    /// archived), and before carbons copy it (-100), so a forged stanza-id is gone from the copies too.
    /// </summary>
    internal const int OutboundHookPriority = -50;

    private static readonly TimeSpan RetentionInterval = TimeSpan.FromHours(1);

    private readonly IArchiveStore _store;
    private readonly IRosterStore _roster;
    private readonly TimeProvider _time;
    private readonly MamOptions _options;
    private readonly ILogger<MamModule> _logger;
    private readonly ArchivePreferencesCache _preferences;
    private long _nextRetentionRun;

    public MamModule(IArchiveStore store, IRosterStore roster, TimeProvider timeProvider, IOptions<MamOptions> options, ILogger<MamModule> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _roster = roster;
        _time = timeProvider;
        _options = options.Value;
        _logger = logger;
        _preferences = new ArchivePreferencesCache(ArchivePreferencesCache.DefaultCapacity, timeProvider);
    }

    public void Configure(IModuleBuilder module)
    {
        ArgumentNullException.ThrowIfNull(module);

        // XEP-0313 §7: archives are advertised on the archiving JIDs, the users' bare JIDs; #extended covers
        // before-id, after-id, ids, flipped pages and metadata, all of which are served here.
        module.AddFeature(MamNamespaces.Mam, DiscoScope.Account);
        module.AddFeature(MamNamespaces.MamExtended, DiscoScope.Account);

        // XEP-0359 §5: an entity that enforces the stanza-id rules announces it; the server strips forged ids for
        // its accounts, and the account (whose JID is the 'by') assigns them.
        module.AddFeature(MamNamespaces.StanzaId, DiscoScope.Server);
        module.AddFeature(MamNamespaces.StanzaId, DiscoScope.Account);

        // XEP-0313 §4: queries go to the archive's address, the account's own bare JID.
        module.HandleIq(IqType.Set, MamNamespaces.Mam, "query", IqTarget.Account, QueryAsync);
        module.HandleIq(IqType.Get, MamNamespaces.Mam, "query", IqTarget.Account, GetFormAsync);
        module.HandleIq(IqType.Get, MamNamespaces.Mam, "metadata", IqTarget.Account, GetMetadataAsync);
        module.HandleIq(IqType.Get, MamNamespaces.Mam, "prefs", IqTarget.Account, GetPreferencesAsync);
        module.HandleIq(IqType.Set, MamNamespaces.Mam, "prefs", IqTarget.Account, SetPreferencesAsync);

        // XEP-0313 §6.1.1: each message once per archive: the sender's when a local client sends it, the recipient's
        // when it arrives for a local account.
        foreach (var to in (ReadOnlySpan<AddressKind>)[AddressKind.Bare, AddressKind.Full])
        {
            module.Hook(new StanzaHookKey(StanzaKind.Message, StanzaDirection.Outbound, to), ArchiveSentAsync, OutboundHookPriority);
            module.Hook(new StanzaHookKey(StanzaKind.Message, StanzaDirection.Inbound, to), ArchiveReceivedAsync, InboundHookPriority);
        }

        module.On<UserDeleted>(OnUserDeletedAsync);
    }

    /// <summary>A local client sends a message: it goes into the sender's archive.</summary>
    private ValueTask<bool> ArchiveSentAsync(StanzaContext context, CancellationToken cancellationToken)
    {
        if (context.Origin is null || context.To is not { } to)
        {
            return ValueTask.FromResult(false);
        }

        var user = context.From.Bare;
        var message = context.Stanza;

        // XEP-0359 §3 rule 2: a stanza-id claiming to be by the sender's own archive can only be forged.
        StanzaIds.RemoveForged(message, user);

        // A message to the account itself is archived once, on arrival, where its id is stamped into the copies its
        // resources receive.
        if (to.Bare == user || !ArchivePolicy.IsArchivable(message))
        {
            return ValueTask.FromResult(false);
        }

        // XEP-0313 §3.5: the sender's archive id is not added to the message: the contact has no access to the
        // sender's archive. The archived copy also loses any stanza-id by the recipient: the recipient's server adds
        // (and XEP-0359 §3 rule 2 makes it strip) those only on arrival, so one present now was made up by the sender.
        var copy = message.Clone();
        StanzaIds.RemoveForged(copy, to.Bare);

        // The message goes on while the sender's copy is written. With the preferences at hand the write is queued
        // before this returns, so the recipient's archive write (queued later, committed in the same batch or after)
        // is never durable before it; the router still counts the stanza as handled only once it is done.
        context.CompleteBeforeHandled(ArchiveSentCopyAsync(user, to, copy, cancellationToken));
        return ValueTask.FromResult(false);
    }

    private async Task ArchiveSentCopyAsync(Jid user, Jid to, XmppElement copy, CancellationToken cancellationToken)
    {
        if (await ShouldArchiveAsync(user, to, cancellationToken) && StartAppend(user, to, copy, cancellationToken) is { } append)
        {
            await append.Committed;
        }
    }

    /// <summary>A message arrives for a local account: it is stamped with its archive id and goes into the archive.</summary>
    private async ValueTask<bool> ArchiveReceivedAsync(StanzaContext context, CancellationToken cancellationToken)
    {
        // A message routed again after its session ended unacknowledged is in the archive already, and carries the
        // stanza-id it was given then: archiving it anew would give the user the same message twice under two ids.
        if (context.To is not { Local: not null } to || context.IsRedelivery)
        {
            return false;
        }

        var user = to.Bare;
        var message = context.Stanza;

        // XEP-0359 §3 rule 2: only this server assigns ids by the recipient's JID; any such id already there is forged.
        StanzaIds.RemoveForged(message, user);
        if (!ArchivePolicy.IsArchivable(message) || !await ShouldArchiveAsync(user, context.From, cancellationToken))
        {
            return false;
        }

        // The archive keeps the message as routed; the stanza-id is added to what is delivered (and so to what
        // offline storage keeps), so every copy the user's clients see names the same archive id.
        if (StartAppend(user, context.From, message.Clone(), cancellationToken) is not var (id, write))
        {
            return false;
        }

        if (context.HoldsAcknowledgement)
        {
            // A message from a local client is delivered while its entry is committed, and the sender is told it was
            // handled (XEP-0198 §4) only after the commit: an online recipient does not wait for the disk. The write is
            // queued already, so an offline copy stored next commits with it or after it, never before.
            context.CompleteBeforeHandled(write);
        }
        else if (!await write)
        {
            // Nothing acknowledges this message later: it is delivered after its entry is durable, and without an
            // archive id when the write failed, so no client is told of an entry that does not exist.
            return false;
        }

        // XEP-0313 §3.5: the archive id as a XEP-0359 stanza-id by the archive's address, the bare JID.
        message.Add(StanzaIds.Create(id, user));
        return false;
    }

    /// <summary>Whether the user's preferences let a message with <paramref name="peer"/> into the archive.</summary>
    private async ValueTask<bool> ShouldArchiveAsync(Jid user, Jid peer, CancellationToken cancellationToken)
    {
        try
        {
            var preferences = await GetPreferencesAsync(user, cancellationToken);
            var inRoster = preferences.Default == ArchiveDefault.Roster
                && (await _roster.GetEntryAsync(user, peer.Bare, cancellationToken)).Item is not null;
            if (ArchivePolicy.Allows(preferences, peer, inRoster))
            {
                return true;
            }

            Log.NotArchived(_logger, user);
            return false;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Preferences that cannot be read must not stop the conversation: the message goes on unarchived.
            Log.ArchiveFailed(_logger, user, exception);
            return false;
        }
    }

    /// <summary>
    /// Starts appending the message to the user's archive: its archive id, known at once, and a task that is true once
    /// the entry is durable; null when the store refused it outright. The write is queued before this returns (archive
    /// order is queue order), so callers may let the message go on while it commits.
    /// </summary>
    private (string Id, Task<bool> Committed)? StartAppend(Jid user, Jid peer, XmppElement message, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        try
        {
            var append = _store.Append(user, new ArchiveEntry(peer, now, message), cancellationToken);
            return (append.Id, CommitAsync(user, append.Committed, now, cancellationToken));
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // An archive that cannot be written must not stop the conversation.
            Log.ArchiveFailed(_logger, user, exception);
            return null;
        }
    }

    private async Task<bool> CommitAsync(Jid user, Task committed, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            await committed;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            Log.ArchiveFailed(_logger, user, exception);
            return false;
        }

        try
        {
            await ApplyRetentionAsync(now, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The entry is durable all the same; retention runs again within the hour.
            Log.ArchiveFailed(_logger, user, exception);
        }

        return true;
    }

    /// <summary>
    /// XEP-0313 §3.2: the oldest messages may be discarded. Run at most once an hour, by whichever message comes
    /// along, so there is no timer to own; a quiet server simply keeps old messages a little longer.
    /// </summary>
    private async ValueTask ApplyRetentionAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_options.RetentionDays <= 0)
        {
            return;
        }

        var due = Interlocked.Read(ref _nextRetentionRun);
        var nowTicks = now.UtcTicks;
        if (nowTicks < due || Interlocked.CompareExchange(ref _nextRetentionRun, nowTicks + RetentionInterval.Ticks, due) != due)
        {
            return;
        }

        var removed = await _store.DeleteOlderThanAsync(now - TimeSpan.FromDays(_options.RetentionDays), cancellationToken);
        Log.RetentionApplied(_logger, removed, _options.RetentionDays);
    }

    private ArchivePreferences DefaultPreferences() => new(_options.DefaultPreference, [], []);

    /// <summary>The user's preferences, or the server's default when the user set none.</summary>
    private async ValueTask<ArchivePreferences> GetPreferencesAsync(Jid user, CancellationToken cancellationToken)
    {
        if (!_preferences.TryGet(user, out var preferences))
        {
            preferences = await _store.GetPreferencesAsync(user, cancellationToken) ?? DefaultPreferences();
            _preferences.AddRead(user, preferences);
        }

        return preferences;
    }

    private async ValueTask OnUserDeletedAsync(UserDeleted @event, CancellationToken cancellationToken)
    {
        // The event may be published by the CLI in another process: touch storage only.
        await _store.DeleteUserAsync(@event.User.Bare, cancellationToken);
        _preferences.Remove(@event.User.Bare);
        Log.ArchiveDeleted(_logger, @event.User.Bare);
    }

    /// <summary>XEP-0082 DateTime in UTC with milliseconds.</summary>
    internal static string FormatStamp(DateTimeOffset stamp)
        => stamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
