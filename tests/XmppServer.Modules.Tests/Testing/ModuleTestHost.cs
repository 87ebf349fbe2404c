using XmppServer.Core;
using XmppServer.Core.Modules;
using XmppServer.Core.Routing;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Testing;

/// <summary>
/// The real module registry over fake sessions and a recording router: enough to drive a module's handlers and hooks
/// the way the core does, without sockets. End-to-end behaviour is covered by the integration tests.
/// </summary>
internal sealed class ModuleTestHost
{
    public ModuleTestHost(Func<ModuleTestHost, IEnumerable<IXmppModule>> modules)
    {
        Sessions = new FakeSessionManager();
        Router = new FakeRouter(Sessions);
        Registry = new ModuleRegistry(modules(this));
    }

    public FakeSessionManager Sessions { get; }

    public FakeRouter Router { get; }

    public ModuleRegistry Registry { get; }

    /// <summary>Dispatches an IQ get/set as the router would, with 'from' set to <paramref name="from"/>.</summary>
    public async Task<IqResult?> InvokeIqAsync(XmppElement iq, IXmppSession from, Jid? to = null)
    {
        iq.From = from.Jid.ToString();
        var type = iq.Type == "set" ? IqType.Set : IqType.Get;
        var payload = iq.FirstElement() ?? throw new ArgumentException("IQ without payload", nameof(iq));
        var target = to ?? from.Jid.Bare;
        var kind = target.Local is null ? IqTarget.Host : target == from.Jid.Bare ? IqTarget.Self : IqTarget.Bare;
        var handler = Registry.FindIqHandler(type, payload.Namespace, payload.Name, kind);
        if (handler is null)
        {
            return null;
        }

        return await handler(new IqContext(iq, payload, type, from.Jid, target, from), CancellationToken.None);
    }

    /// <summary>Runs the hooks for a stanza as the router would; true when a hook handled it.</summary>
    public ValueTask<bool> RunHooksAsync(StanzaDirection direction, XmppElement stanza, IXmppSession? origin)
    {
        var kind = stanza.Name switch
        {
            "message" => StanzaKind.Message,
            "presence" => StanzaKind.Presence,
            _ => StanzaKind.Iq,
        };
        var from = Jid.Parse(stanza.From ?? throw new ArgumentException("stanza needs 'from'", nameof(stanza)));
        var to = stanza.To is { } t ? Jid.Parse(t) : null;
        var context = new StanzaContext(stanza, kind, from, to, origin);
        return Registry.RunHooksAsync(new StanzaHookKey(kind, direction, context.ToKind), context, CancellationToken.None);
    }
}
