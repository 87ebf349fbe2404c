using XmppServer.Protocol;

namespace XmppServer.Modules.Carbons;

/// <summary>XEP-0280 §6.1: which messages are carbon-copied.</summary>
internal static class CarbonEligibility
{
    public static bool IsEligible(XmppElement message, CarbonDirection direction)
    {
        ArgumentNullException.ThrowIfNull(message);

        var isMucUser = false;
        var isInvitation = false;
        var hasImPayload = false;
        var hasBody = false;
        foreach (var child in message.Elements())
        {
            switch (child.Namespace)
            {
                // XEP-0280 §6.1, §9: a message with <private/> is never copied, by either server. Earlier versions had a
                // server strip it; §9 (interoperability note) lifted that, so it stays in the delivered message.
                case CarbonsXml.Carbons when child.Name == "private":
                    return false;

                // A carbon copy (or anything posing as one) is not copied again.
                case CarbonsXml.Carbons when child.Name is "sent" or "received":
                    return false;

                // XEP-0334 §4.3: a message with <no-copy/> is not copied to other addresses, Carbons named first.
                case CarbonsXml.Hints when child.Name == "no-copy":
                    return false;

                case Namespaces.Client when child.Name == "body":
                    hasBody = true;
                    break;

                // XEP-0280 §6.1: payloads typically used in IM (receipts, chat states, chat markers).
                case CarbonsXml.Receipts or CarbonsXml.ChatStates or CarbonsXml.ChatMarkers:
                    hasImPayload = true;
                    break;

                // XEP-0280 §6.1: a XEP-0249 direct invitation is copied.
                case CarbonsXml.DirectInvitation when child.Name == "x":
                    isInvitation = true;
                    break;

                // XEP-0280 §6.1: a mediated MUC invitation is copied; other muc#user messages are MUC traffic.
                case CarbonsXml.MucUser when child.Name == "x":
                    isMucUser = true;
                    isInvitation |= child.Element("invite", CarbonsXml.MucUser) is not null;
                    break;
            }
        }

        switch (message.Type)
        {
            // XEP-0280 §6.1: groupchat SHOULD NOT be copied (every joined client gets it from the room).
            case "groupchat":
                return false;

            // XEP-0280 §6.1 copies an error only when it answers an eligible message; the server keeps no record of
            // what it copied to match errors against, so none is copied.
            case "error":
                return false;

            // RFC 6121 §5.2.2: headlines are alerts nobody replies to, not conversation; XEP-0280 §6 is about IM.
            case "headline":
                return false;
        }

        if (isInvitation)
        {
            return true;
        }

        // XEP-0280 §6.1: a private message from a MUC participant is already replicated by the room to every joined
        // client of the account, so it is not copied on the receiving side (the sending side is).
        if (isMucUser && direction == CarbonDirection.Received)
        {
            return false;
        }

        // XEP-0280 §6.1: chat; normal (RFC 6121 §5.2.2: absent or unknown types are normal) only with a <body/>;
        // anything carrying IM payloads.
        return message.Type == "chat" || hasBody || hasImPayload;
    }
}
