using XmppServer.Protocol;

namespace XmppServer.Modules.Csi;

/// <summary>
/// Which stanzas an inactive client can wait for (XEP-0352 §3.2 leaves the choice to the server; its examples are
/// suppressed presence updates and chat-state-only messages). The rules follow Prosody's mod_csi_simple, except that
/// a message is held only when every payload is known to be unimportant: an unknown payload (a call invitation, a
/// future extension) is delivered at once, because holding it is the costly mistake and delivering it the cheap one.
/// </summary>
internal static class CsiRules
{
    public const string ChatStates = "http://jabber.org/protocol/chatstates";
    public const string Receipts = "urn:xmpp:receipts";
    public const string ChatMarkers = "urn:xmpp:chat-markers:0";
    public const string Hints = "urn:xmpp:hints";
    public const string StanzaIds = "urn:xmpp:sid:0";
    public const string Carbons = "urn:xmpp:carbons:2";
    public const string Forward = "urn:xmpp:forward:0";
    public const string MucUser = "http://jabber.org/protocol/muc#user";

    public static CsiDisposition Classify(XmppElement element)
    {
        ArgumentNullException.ThrowIfNull(element);

        // Only stanzas are ever held. Stream-level elements (XEP-0198 acknowledgements and requests) answer the
        // client's own stream and say nothing about other entities' traffic, so they neither wait nor release
        // what waits: a client asking for an acknowledgement does not wake the buffer (Prosody flushes on them,
        // but it buffers bytes, not stanzas).
        if (element.Namespace is not (Namespaces.Client or Namespaces.Server))
        {
            return CsiDisposition.PassThrough;
        }

        return element.Name switch
        {
            "presence" => ClassifyPresence(element),
            "message" => IsImportantMessage(element) ? CsiDisposition.Deliver : CsiDisposition.Hold,

            // IQs are requests or answers someone waits for (RFC 6120 §8.2.3), roster pushes among them; anything
            // else is unknown and so important.
            _ => CsiDisposition.Deliver,
        };
    }

    private static CsiDisposition ClassifyPresence(XmppElement presence)
    {
        // XEP-0352 §3.2: presence updates (available, or unavailable, RFC 6121 §4.7.1) can wait for the next
        // activity, and only the latest per contact matters then. Subscription requests and answers (RFC 6121 §3)
        // ask something of the user, errors report a failure, and probes are never sent to clients: delivered.
        if (presence.Type is not (null or "unavailable"))
        {
            return CsiDisposition.Deliver;
        }

        // XEP-0045 §7.2: a room's self-presence (status 110) tells the user about its own place in the room
        // (joined, nick changed, kicked); it is not a contact's update.
        foreach (var x in presence.Elements("x", MucUser))
        {
            foreach (var status in x.Elements("status", MucUser))
            {
                if (status.GetAttribute("code") == "110")
                {
                    return CsiDisposition.Deliver;
                }
            }
        }

        return CsiDisposition.HoldPresence;
    }

    private static bool IsImportantMessage(XmppElement message)
    {
        switch (message.Type)
        {
            // An error tells the user that something they sent failed.
            case "error":
                return true;

            // RFC 6121 §5.2.2: a headline is transient information no one answers (news, PEP notifications), the
            // first thing XEP-0352 §3.2 suggests deferring; Prosody holds headlines whatever they carry.
            case "headline":
                return false;
        }

        foreach (var child in message.Elements())
        {
            if (!IsUnimportantPayload(child))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True for a payload that does not by itself make a message worth waking the client for.</summary>
    private static bool IsUnimportantPayload(XmppElement child)
    {
        // A <body/> or <subject/> (RFC 6121 §5.2.3, §5.2.4) is content; <thread/> only links messages (§5.2.5).
        if (child.Namespace is Namespaces.Client or Namespaces.Server)
        {
            return child.Name == "thread";
        }

        return child.Namespace switch
        {
            // XEP-0352 §3.2: chat-state notifications alone (XEP-0085) are the example of what can wait.
            ChatStates => true,

            // XEP-0184 §7: <received/> acknowledges delivery and is no content; Prosody holds it as it holds
            // everything without a body. <request/> only comes with content, and the sender waits for the answer.
            Receipts => child.Name == "received",

            // XEP-0333 markers (received, displayed, acknowledged) are read state, like receipts; <markable/> only
            // comes with content.
            ChatMarkers => child.Name != "markable",

            // Hints (XEP-0334), stanza and origin ids (XEP-0359) and delay stamps (XEP-0203) describe a message
            // without being content.
            Hints or StanzaIds or Namespaces.Delay => true,

            // XEP-0280 §7, §8: a carbon copy is as important as the message it carries.
            Carbons => child.Name is "sent" or "received"
                ? child.Element("forwarded", Forward)?.Element("message", Namespaces.Client) is { } copied && !IsImportantMessage(copied)
                : child.Name == "private",

            // Everything else is content or unknown: body-less encrypted messages (OMEMO, OpenPGP, XEP-0380),
            // invitations (XEP-0249, XEP-0045 §7.8), call proposals (XEP-0353), archive results (XEP-0313).
            _ => false,
        };
    }
}
