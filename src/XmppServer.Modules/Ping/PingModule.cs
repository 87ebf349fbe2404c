using XmppServer.Core.Modules;
using XmppServer.Protocol;

namespace XmppServer.Modules.Ping;

/// <summary>XMPP Ping (XEP-0199): the server answers pings to its domain and, on their behalf, to accounts' bare JIDs.</summary>
[Xep(199, "2.0.1")]
public sealed class PingModule : IXmppModule
{
    public void Configure(IModuleBuilder module)
    {
        ArgumentNullException.ThrowIfNull(module);

        // XEP-0199 §5: support is advertised in disco#info.
        module.AddFeature(Namespaces.Ping);

        // XEP-0199 §4.2: a client pings its server with 'to' set to the domain, its own bare JID or nothing; §4.4: a
        // ping to a bare JID is answered by the server on the account's behalf. The pong is an empty result.
        module.HandleIq(IqType.Get, Namespaces.Ping, "ping", IqTarget.Host | IqTarget.Account,
            static (_, _) => ValueTask.FromResult(IqResult.Empty));
    }
}
