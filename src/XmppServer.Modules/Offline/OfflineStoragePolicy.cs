using XmppServer.Protocol;

namespace XmppServer.Modules.Offline;

/// <summary>Which undeliverable messages are stored offline (XEP-0160 §3, XEP-0334 §4).</summary>
internal static class OfflineStoragePolicy
{
    public const string Hints = "urn:xmpp:hints";
    public const string Receipts = "urn:xmpp:receipts";
    public const string OmemoLegacy = "eu.siacs.conversations.axolotl";
    public const string Omemo = "urn:xmpp:omemo:2";
    public const string OpenPgp = "urn:xmpp:openpgp:0";
    public const string LegacyPgpEncrypted = "jabber:x:encrypted";
    public const string DirectInvitation = "jabber:x:conference";
    public const string MucUser = "http://jabber.org/protocol/muc#user";

    public static OfflineDecision Decide(XmppElement message)
    {
        ArgumentNullException.ThrowIfNull(message);

        // XEP-0160 §3: normal (or no type) and chat are stored; groupchat, headline and error are not. XEP-0334 §5:
        // hints on an error are ignored, which this covers too. RFC 6121 §5.2.2: an unknown type counts as normal.
        if (message.Type is "groupchat" or "headline" or "error")
        {
            return OfflineDecision.Refuse;
        }

        // XEP-0334 §4.2: <no-store/> forbids even temporary storage for later delivery. The router's default then
        // tells the sender that nothing was delivered (RFC 6121 §8.5.2.2.1: store it or answer service-unavailable).
        // <no-permanent-store/> (§4.1) is deliberately not refused: §3.3 names offline delivery as the temporary
        // storage such a sender accepts, and offline storage is emptied on delivery.
        if (message.Element("no-store", Hints) is not null)
        {
            return OfflineDecision.Refuse;
        }

        return IsWorthStoring(message) ? OfflineDecision.Store : OfflineDecision.Drop;
    }

    private static bool IsWorthStoring(XmppElement message)
    {
        foreach (var child in message.Elements())
        {
            var worth = (child.Namespace, child.Name) switch
            {
                // XEP-0160 §3: messages with content are stored; XEP-0085 chat states alone are not.
                _ when child.Namespace == message.Namespace => child.Name is "body" or "subject",

                // XEP-0334 §4.4: the sender asks for storage of a message the usual rules would skip.
                (Hints, "store") => true,

                // XEP-0334 §3.4: encrypted messages carry their payload outside <body/> (OMEMO, OpenPGP for XMPP,
                // legacy XEP-0027); without them the recipient could never read what was said while it was away.
                (OmemoLegacy, "encrypted") or (Omemo, "encrypted") or (OpenPgp, "openpgp") or (LegacyPgpEncrypted, "x") => true,

                // XEP-0184: a receipt for a message sent while this user was away still tells it the message arrived.
                (Receipts, "received") => true,

                // XEP-0249 and XEP-0045 §7.8.2: an invitation missed while offline would be lost for good.
                (DirectInvitation, "x") => true,
                (MucUser, "x") => child.Element("invite", MucUser) is not null,

                _ => false,
            };
            if (worth)
            {
                return true;
            }
        }

        return false;
    }
}
