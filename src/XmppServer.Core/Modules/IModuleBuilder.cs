using XmppServer.Core.Routing;
using XmppServer.Protocol;

namespace XmppServer.Core.Modules;

/// <summary>What a module may register. Registrations are frozen at start; a duplicate IQ key fails start-up.</summary>
public interface IModuleBuilder
{
    /// <summary>A disco#info feature (XEP-0030 §3.1) advertised on the server's domain or on every account's bare JID.</summary>
    void AddFeature(string feature, DiscoScope scope = DiscoScope.Server);

    /// <summary>A disco#info identity (XEP-0030 §3.1).</summary>
    void AddIdentity(string category, string type, string? name = null, DiscoScope scope = DiscoScope.Server);

    /// <summary>An extended-information data form (XEP-0128) for disco#info.</summary>
    void AddDiscoExtension(XmppElement dataForm, DiscoScope scope = DiscoScope.Server);

    /// <summary>
    /// A stream feature offered at <paramref name="stage"/>; the factory returns null to offer nothing on this stream.
    /// </summary>
    void AddStreamFeature(StreamFeatureStage stage, Func<StreamFeatureContext, XmppElement?> feature);

    /// <summary>An IQ handler keyed by type, payload name and namespace, and which addresses it answers for.</summary>
    void HandleIq(IqType type, string ns, string name, IqTarget target, IqHandler handler);

    /// <summary>A stanza hook; hooks run by descending priority until one returns true (handled).</summary>
    void Hook(StanzaHookKey key, StanzaHandler handler, int priority = 0);

    /// <summary>A typed event handler (modules talk to each other only through events).</summary>
    void On<TEvent>(Func<TEvent, CancellationToken, ValueTask> handler)
        where TEvent : class;

    /// <summary>
    /// A top-level element in another namespace than the stanzas' (for example XEP-0198 &lt;enable/&gt;) on an
    /// authenticated client stream.
    /// </summary>
    void HandleStreamElement(string ns, string name, StreamElementHandler handler);
}
