using XmppServer.Core;
using XmppServer.Core.Events;
using XmppServer.Core.Modules;
using XmppServer.Core.Routing;
using XmppServer.Protocol;

namespace XmppServer.Modules.Carbons;

/// <summary>
/// Message Carbons (XEP-0280): every resource of an account that enabled carbons sees both sides of the account's
/// conversations, also those held on the account's other resources.
/// </summary>
[Xep(280, "1.0.1")]
public sealed class CarbonsModule(ISessionManager sessions) : IXmppModule
{
    /// <summary>
    /// Outbound message hooks run after the others' (which have priority 0 and above): a message another module
    /// consumed is not routed, so it is not copied either.
    /// </summary>
    internal const int SentHookPriority = -100;

    public void Configure(IModuleBuilder module)
    {
        ArgumentNullException.ThrowIfNull(module);

        // XEP-0280 §3: the server advertises support on its own JID, where clients look for it.
        module.AddFeature(CarbonsXml.Carbons);

        // XEP-0280 §4, §5: a client switches carbons on and off for its own session.
        module.HandleIq(IqType.Set, CarbonsXml.Carbons, "enable", IqTarget.Self, (context, _) => SetEnabled(context, enabled: true));
        module.HandleIq(IqType.Set, CarbonsXml.Carbons, "disable", IqTarget.Self, (context, _) => SetEnabled(context, enabled: false));

        // XEP-0280 §8: whatever a local client sends, wherever it goes (local account, remote domain or the server).
        foreach (var to in (ReadOnlySpan<AddressKind>)[AddressKind.None, AddressKind.Host, AddressKind.Bare, AddressKind.Full])
        {
            module.Hook(new StanzaHookKey(StanzaKind.Message, StanzaDirection.Outbound, to), CopySentAsync, SentHookPriority);
        }

        // XEP-0280 §7: after RFC 6121 delivery, to the resources that did not get the original.
        module.On<MessageDelivered>(OnDeliveredAsync);
    }

    private static ValueTask<IqResult> SetEnabled(IqContext context, bool enabled)
    {
        // XEP-0280 §4.1, §5.1: only a client of this server can enable or disable carbons, and only for itself.
        if (context.Session is not { } session)
        {
            return ValueTask.FromResult(IqResult.Fail(StanzaErrorCondition.NotAllowed));
        }

        // XEP-0280 §10.1: enabling or disabling twice is not an error; the state is simply set again.
        session.Items.GetOrAdd(static () => new CarbonsState()).IsEnabled = enabled;
        return ValueTask.FromResult(IqResult.Empty);
    }

    private ValueTask<bool> CopySentAsync(StanzaContext context, CancellationToken cancellationToken)
    {
        // Only clients of this server send carbons-worthy messages; a message to the account itself (no 'to' means
        // the bare JID, RFC 6120 §10.3.1) is both sent and received and is copied once it is delivered, where the
        // resources that got the original are known.
        if (context.Origin is null || context.To is null || context.To.Bare == context.From.Bare
            || !CarbonEligibility.IsEligible(context.Stanza, CarbonDirection.Sent))
        {
            return ValueTask.FromResult(false);
        }

        // XEP-0280 §8: a copy for every carbons-enabled resource of the sender except the sending one, whether or
        // not the sender enabled carbons itself.
        CopyTo(context.From.Bare, context.Stanza, CarbonDirection.Sent, exceptResource: context.From, exceptDeliveredTo: null);

        // The message itself is routed as usual.
        return ValueTask.FromResult(false);
    }

    private ValueTask OnDeliveredAsync(MessageDelivered delivered, CancellationToken cancellationToken)
    {
        var account = delivered.To.Bare;
        var delivery = delivered.DeliveredTo;
        if (delivered.From.Bare == account)
        {
            // Between two resources of one account the message is the account's own sent message: the sender has it
            // and the addressed resources got the original, every other enabled resource gets one <sent/> copy
            // (copying it as received as well would show it twice).
            if (CarbonEligibility.IsEligible(delivered.Message, CarbonDirection.Sent))
            {
                CopyTo(account, delivered.Message, CarbonDirection.Sent, exceptResource: delivered.From, exceptDeliveredTo: delivery);
            }

            return ValueTask.CompletedTask;
        }

        // XEP-0280 §7: every carbons-enabled resource of the recipient that did not receive the message under the
        // RFC 6121 rules gets a copy; those it was delivered to MUST NOT.
        if (CarbonEligibility.IsEligible(delivered.Message, CarbonDirection.Received))
        {
            CopyTo(account, delivered.Message, CarbonDirection.Received, exceptResource: null, exceptDeliveredTo: delivery);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Sends a copy to every carbons-enabled resource of <paramref name="account"/> but the sending one and those the
    /// message was delivered to. Runs for every message: the exclusions are arguments and the sessions are walked by
    /// index, so a message nobody gets a copy of allocates nothing here.
    /// </summary>
    private void CopyTo(Jid account, XmppElement message, CarbonDirection direction, Jid? exceptResource, IReadOnlyList<IXmppSession>? exceptDeliveredTo)
    {
        XmppElement? copy = null;
        var candidates = sessions.GetSessions(account);
        for (var i = 0; i < candidates.Count; i++)
        {
            // Copies go where messages go: to available resources (RFC 6121 §8.5.2) that asked for them (§4).
            var session = candidates[i];
            if (!session.IsAvailable || session.Items.Get<CarbonsState>() is not { IsEnabled: true }
                || session.Jid == exceptResource || (exceptDeliveredTo is not null && Contains(exceptDeliveredTo, session)))
            {
                continue;
            }

            copy ??= CarbonsXml.ForwardedCopy(message);
            session.Send(CarbonsXml.Wrap(copy, direction, account, session.Jid));
        }
    }

    private static bool Contains(IReadOnlyList<IXmppSession> sessions, IXmppSession session)
    {
        for (var i = 0; i < sessions.Count; i++)
        {
            var candidate = sessions[i];
            if (ReferenceEquals(candidate, session) || candidate.Jid == session.Jid)
            {
                return true;
            }
        }

        return false;
    }
}
