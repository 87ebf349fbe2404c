using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using XmppServer.Core.Events;
using XmppServer.Core.Hosting;
using XmppServer.Protocol;

namespace XmppServer.Core.Accounts;

/// <summary>
/// Creates, changes and deletes accounts of the served domains. Used by the <c>user</c> CLI verbs and by
/// in-band registration. Only derived SCRAM keys are stored; passwords are never kept or logged.
/// </summary>
public sealed partial class AccountManager
{
    private readonly IAccountStore _store;
    private readonly IEventBus _events;
    private readonly ILogger<AccountManager> _logger;
    private readonly HostedDomains _domains;
    private readonly int _iterations;

    public AccountManager(
        IAccountStore store,
        IEventBus events,
        IOptions<XmppServerOptions> serverOptions,
        IOptions<AuthenticationOptions> authenticationOptions,
        ILogger<AccountManager> logger)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(serverOptions);
        ArgumentNullException.ThrowIfNull(authenticationOptions);
        ArgumentNullException.ThrowIfNull(logger);
        _store = store;
        _events = events;
        _logger = logger;

        // The same reading of Xmpp:Domains as the server's (prepared names, "localhost" when none is configured).
        _domains = new HostedDomains(serverOptions);
        _iterations = authenticationOptions.Value.ScramIterations;
    }

    /// <summary>True when <paramref name="domain"/> (prepared or not) is one of Xmpp:Domains.</summary>
    public bool ServesDomain(string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        return JidPrep.PrepareDomain(domain) is { } prepared && _domains.IsLocal(prepared);
    }

    /// <summary>True when the account exists; false also for a JID that cannot name an account.</summary>
    public ValueTask<bool> ExistsAsync(Jid user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        return IsAccountJid(user) ? _store.ExistsAsync(user, cancellationToken) : ValueTask.FromResult(false);
    }

    public async ValueTask<AccountResult> CreateAsync(Jid user, string password, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (!IsAccountJid(user))
        {
            return AccountResult.InvalidJid;
        }

        if (!_domains.IsLocal(user.Domain))
        {
            return AccountResult.UnknownDomain;
        }

        // Checked before deriving keys: the derivation is deliberately slow and pointless for an existing account.
        if (await _store.ExistsAsync(user, cancellationToken))
        {
            return AccountResult.Exists;
        }

        if (!TryDerive(password, out var credentials))
        {
            return AccountResult.InvalidPassword;
        }

        // The store answers false when another writer created the account since the check above.
        if (!await _store.CreateAsync(user, credentials, cancellationToken))
        {
            return AccountResult.Exists;
        }

        LogUserCreated(_logger, user);
        return AccountResult.Success;
    }

    /// <summary>
    /// Replaces the password of an existing account. No domain check: an account whose domain left Xmpp:Domains can
    /// still be managed.
    /// </summary>
    public async ValueTask<AccountResult> SetPasswordAsync(Jid user, string password, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (!IsAccountJid(user))
        {
            return AccountResult.InvalidJid;
        }

        if (!await _store.ExistsAsync(user, cancellationToken))
        {
            return AccountResult.NotFound;
        }

        if (!TryDerive(password, out var credentials))
        {
            return AccountResult.InvalidPassword;
        }

        if (!await _store.SetCredentialsAsync(user, credentials, cancellationToken))
        {
            return AccountResult.NotFound;
        }

        LogPasswordChanged(_logger, user);
        return AccountResult.Success;
    }

    /// <summary>
    /// Deletes the account, then publishes <see cref="UserDeleted"/> so every module removes what it keeps for the
    /// user (roster, offline messages, ...). No domain check, so accounts of a domain that was removed from
    /// Xmpp:Domains can be cleaned up.
    /// </summary>
    public async ValueTask<AccountResult> DeleteAsync(Jid user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (!IsAccountJid(user))
        {
            return AccountResult.InvalidJid;
        }

        if (!await _store.DeleteAsync(user, cancellationToken))
        {
            return AccountResult.NotFound;
        }

        LogUserDeleted(_logger, user);
        await _events.PublishAsync(new UserDeleted(user), cancellationToken);
        return AccountResult.Success;
    }

    /// <summary>The accounts of <paramref name="domain"/> as bare JIDs, sorted by localpart; empty for a malformed domain.</summary>
    public async ValueTask<IReadOnlyList<Jid>> ListAsync(string domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        if (JidPrep.PrepareDomain(domain) is not { } prepared)
        {
            return [];
        }

        var usernames = await _store.ListAsync(prepared, cancellationToken);
        var users = new List<Jid>(usernames.Count);
        foreach (var username in usernames)
        {
            // Stored localparts are prepared already, so re-preparing them cannot fail for rows this class wrote.
            if (Jid.TryCreate(username, prepared, null, out var user))
            {
                users.Add(user);
            }
        }

        return users;
    }

    /// <summary>
    /// Creates <paramref name="prefix"/>1 .. <paramref name="prefix"/><paramref name="count"/> on
    /// <paramref name="domain"/>, all with the same password, skipping the ones that exist. Meant for load tests.
    /// </summary>
    /// <returns>The outcome and how many accounts were new.</returns>
    public async ValueTask<(AccountResult Result, int Created)> CreateManyAsync(
        string domain, string prefix, int count, string password, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (JidPrep.PrepareDomain(domain) is not { } prepared || !_domains.IsLocal(prepared))
        {
            return (AccountResult.UnknownDomain, 0);
        }

        var accounts = new List<(Jid User, StoredCredentials Credentials)>(count);
        var users = new Jid[count];
        for (var i = 0; i < count; i++)
        {
            if (!Jid.TryCreate(prefix + (i + 1).ToString(CultureInfo.InvariantCulture), prepared, null, out var user))
            {
                return (AccountResult.InvalidJid, 0);
            }

            users[i] = user;
        }

        // All these accounts share one password, so the keys are derived ONCE and the same salt and keys are stored
        // for every one of them. Deriving per account (two PBKDF2 runs of thousands of iterations each) would turn
        // 25,000 accounts into minutes. A shared salt only lets an attacker who has the database see that these
        // accounts share a password, which they do by construction.
        if (!TryDerive(password, out var credentials))
        {
            return (AccountResult.InvalidPassword, 0);
        }

        foreach (var user in users)
        {
            accounts.Add((user, credentials));
        }

        var started = Stopwatch.GetTimestamp();
        var created = await _store.CreateManyAsync(accounts, cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(started);
        LogUsersCreated(_logger, created, prepared, (long)elapsed.TotalMilliseconds);
        return (AccountResult.Success, created);
    }

    // RFC 7622 §3.3: the localpart names the local account; a resource (§3.4) names a session, not an account.
    private static bool IsAccountJid(Jid user) => user.Local is not null && user.IsBare;

    private bool TryDerive(string? password, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out StoredCredentials? credentials)
    {
        credentials = null;

        // RFC 8265 §4.2: OpaqueString is FreeformClass, which has no control characters, and must not be empty.
        if (string.IsNullOrEmpty(password) || password.Any(char.IsControl))
        {
            return false;
        }

        try
        {
            credentials = PasswordHasher.Create(password, _iterations);
            return true;
        }
        catch (ArgumentException)
        {
            // The hasher's own OpaqueString enforcement rejected it (for example unassigned code points).
            return false;
        }
    }
}
