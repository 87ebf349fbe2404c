using XmppServer.Modules.Disco;
using XmppServer.Modules.Roster;
using XmppServer.Protocol;

namespace XmppServer.Hosting;

/// <summary>
/// Lets contacts discover an account: XEP-0030 §8 leaves it to the server to answer for an account only towards
/// entities the account trusts, and the roster says whom it shares its presence with. Modules never reference each
/// other, so the composition joins disco and roster here.
/// </summary>
internal sealed class RosterDiscoAccess(IRosterStore roster) : IDiscoAccountAccess
{
    public async ValueTask<bool> MayDiscoverAsync(Jid requester, Jid account, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requester);
        ArgumentNullException.ThrowIfNull(account);

        // RFC 6121 §2.1.2.5: 'from' and 'both' mean the contact receives the account's presence, so it already learns
        // which resources are online; the account's features reveal no more than that.
        var entry = await roster.GetEntryAsync(account.Bare, requester.Bare, cancellationToken);
        return entry.Item?.Subscription is RosterSubscription.From or RosterSubscription.Both;
    }
}
