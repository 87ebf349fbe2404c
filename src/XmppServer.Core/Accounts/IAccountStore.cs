using XmppServer.Protocol;

namespace XmppServer.Core.Accounts;

/// <summary>Accounts and their credentials. Keys are bare JIDs in canonical form.</summary>
public interface IAccountStore
{
    ValueTask<bool> ExistsAsync(Jid user, CancellationToken cancellationToken);

    ValueTask<StoredCredentials?> GetCredentialsAsync(Jid user, CancellationToken cancellationToken);

    /// <summary>Creates the account; false when it exists already.</summary>
    ValueTask<bool> CreateAsync(Jid user, StoredCredentials credentials, CancellationToken cancellationToken);

    /// <summary>Replaces the credentials; false when there is no such account.</summary>
    ValueTask<bool> SetCredentialsAsync(Jid user, StoredCredentials credentials, CancellationToken cancellationToken);

    /// <summary>Deletes the account row; false when there was none. Module data is removed through UserDeleted.</summary>
    ValueTask<bool> DeleteAsync(Jid user, CancellationToken cancellationToken);

    /// <summary>Localparts of the accounts of a domain, sorted.</summary>
    ValueTask<IReadOnlyList<string>> ListAsync(string domain, CancellationToken cancellationToken);

    /// <summary>Creates many accounts in one transaction; returns how many were new.</summary>
    ValueTask<int> CreateManyAsync(IReadOnlyList<(Jid User, StoredCredentials Credentials)> accounts, CancellationToken cancellationToken);
}
