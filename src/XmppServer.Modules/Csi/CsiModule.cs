using Microsoft.Extensions.Options;
using XmppServer.Core;
using XmppServer.Core.Events;
using XmppServer.Core.Modules;
using XmppServer.Protocol;

namespace XmppServer.Modules.Csi;

/// <summary>
/// Client State Indication (XEP-0352): a client says when its user is not looking (&lt;inactive/&gt;) and when they
/// are again (&lt;active/&gt;). While inactive, presence updates and chat states wait, collapsed to what still
/// matters, and anything important is delivered at once, after what waited.
/// </summary>
/// <remarks>
/// The state is the session's outbound filter: an active client has none, so its stanzas cost nothing extra. Nothing
/// that matters is ever held, and what is held is never lost by this module: when the session ends, the core routes it
/// like any stanza queued and never written. Presence is then dropped (RFC 6121 §8.5.3.2.2: presence for a resource
/// that is gone is ignored, and the next session probes for current presence) and chat states are not stored offline
/// (XEP-0085 §5.8); a held receipt goes to another resource or offline storage by the usual rules.
/// </remarks>
[Xep(352, "1.0.0")]
public sealed class CsiModule : IXmppModule
{
    public const string Namespace = "urn:xmpp:csi:0";

    private readonly CsiOptions _options;

    public CsiModule(IOptions<CsiOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
    }

    public void Configure(IModuleBuilder module)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (!_options.Enabled)
        {
            // Not offered, not understood: <active/> and <inactive/> are then unsupported elements (RFC 6120 §4.9.3.24).
            return;
        }

        // XEP-0352 §4.1: advertised in the stream features after authentication. No disco feature: CSI is a stream
        // feature only.
        module.AddStreamFeature(StreamFeatureStage.Authenticated, static _ => new XmppElement("csi", Namespace));

        // XEP-0352 §4.2: top-level elements, with no reply. The read loop handles one element at a time, so the
        // state changes (and a flush is queued) before the client's next stanza is processed (§5.1).
        module.HandleStreamElement(Namespace, "inactive", InactiveAsync);
        module.HandleStreamElement(Namespace, "active", ActiveAsync);

        // XEP-0352 §5.2: a resumed stream starts active; its held stanzas follow the retransmitted ones.
        module.On<SessionResumed>(OnResumedAsync);
    }

    private ValueTask InactiveAsync(IXmppSession session, XmppElement element, CancellationToken cancellationToken)
    {
        // Saying so twice changes nothing; another module's filter, if one existed, would be released by the swap.
        if (session.OutboundFilter is not CsiBuffer)
        {
            session.SetOutboundFilter(new CsiBuffer(_options.MaxHeldStanzas));
        }

        return ValueTask.CompletedTask;
    }

    private static ValueTask ActiveAsync(IXmppSession session, XmppElement element, CancellationToken cancellationToken)
    {
        BecomeActive(session);
        return ValueTask.CompletedTask;
    }

    private static ValueTask OnResumedAsync(SessionResumed resumed, CancellationToken cancellationToken)
    {
        BecomeActive(resumed.Session);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// XEP-0352 §3.1: the server "restores the stream to its normal state": taking the buffer out passes on what it
    /// held, in order, ahead of anything sent after.
    /// </summary>
    private static void BecomeActive(IXmppSession session)
    {
        if (session.OutboundFilter is CsiBuffer)
        {
            session.SetOutboundFilter(null);
        }
    }
}
