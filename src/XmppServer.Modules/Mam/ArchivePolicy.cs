using XmppServer.Protocol;

namespace XmppServer.Modules.Mam;

/// <summary>Which messages go into a user archive (XEP-0313 §6.1.1, XEP-0334 §4).</summary>
internal static class ArchivePolicy
{
    public static bool IsArchivable(XmppElement message)
    {
        ArgumentNullException.ThrowIfNull(message);

        // XEP-0313 §6.1.1: messages of type 'normal' or 'chat' (RFC 6121 §5.2.2: an unknown type is 'normal').
        // Errors are never conversation; headline is "not generally suggested"; groupchat belongs to the room's
        // archive and is not stored in user archives here.
        if (message.Type is "error" or "groupchat" or "headline")
        {
            return false;
        }

        // XEP-0334 §4.1, §4.2: <no-permanent-store/> and <no-store/> both forbid archiving.
        if (message.Element("no-permanent-store", MamNamespaces.Hints) is not null
            || message.Element("no-store", MamNamespaces.Hints) is not null)
        {
            return false;
        }

        // XEP-0313 §6.1.1: those that contain a <body/>; chat states and receipts alone are state, not content.
        // XEP-0334 §4.4: <store/> asks for a message the usual rules would skip to be stored.
        return message.Element("body", message.Namespace) is not null
            || message.Element("store", MamNamespaces.Hints) is not null;
    }

    /// <summary>XEP-0441: whether the user's preferences let a message with <paramref name="peer"/> be archived.</summary>
    public static bool Allows(ArchivePreferences preferences, Jid peer, bool peerInRoster)
    {
        // An explicit entry wins over the default; a bare JID entry covers every resource of that JID.
        if (Lists(preferences.Never, peer))
        {
            return false;
        }

        if (Lists(preferences.Always, peer))
        {
            return true;
        }

        return preferences.Default switch
        {
            ArchiveDefault.Always => true,
            ArchiveDefault.Roster => peerInRoster,
            _ => false,
        };
    }

    private static bool Lists(IReadOnlyList<Jid> jids, Jid peer)
    {
        foreach (var jid in jids)
        {
            if (jid == peer || (jid.IsBare && jid == peer.Bare))
            {
                return true;
            }
        }

        return false;
    }
}
