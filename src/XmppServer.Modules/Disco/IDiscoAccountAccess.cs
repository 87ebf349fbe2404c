using XmppServer.Protocol;

namespace XmppServer.Modules.Disco;

/// <summary>
/// Decides whether someone other than the account itself may see the account's disco#info. XEP-0030 §8 allows it
/// only to entities the account shares its presence with (subscription 'from' or 'both') or otherwise trusts.
/// Implemented by whatever knows subscriptions; with no implementation registered only the account itself is
/// answered, which is the safe reading of §8.
/// </summary>
public interface IDiscoAccountAccess
{
    /// <summary>True when <paramref name="requester"/> may discover information about <paramref name="account"/>.</summary>
    ValueTask<bool> MayDiscoverAsync(Jid requester, Jid account, CancellationToken cancellationToken);
}
