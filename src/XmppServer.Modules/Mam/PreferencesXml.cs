using XmppServer.Protocol;

namespace XmppServer.Modules.Mam;

/// <summary>The &lt;prefs/&gt; element of XEP-0441 (in the urn:xmpp:mam:2 namespace).</summary>
internal static class PreferencesXml
{
    public static XmppElement Write(ArchivePreferences preferences)
    {
        ArgumentNullException.ThrowIfNull(preferences);
        var prefs = new XmppElement("prefs", MamNamespaces.Mam);
        prefs.SetAttribute("default", preferences.Default switch
        {
            ArchiveDefault.Never => "never",
            ArchiveDefault.Roster => "roster",
            _ => "always",
        });

        // The lists are always present, empty or not, so a client can tell "no entries" from "not supported".
        AddList(prefs, "always", preferences.Always);
        AddList(prefs, "never", preferences.Never);
        return prefs;
    }

    public static bool TryParse(XmppElement prefs, out ArchivePreferences preferences, out string? text)
    {
        ArgumentNullException.ThrowIfNull(prefs);
        preferences = null!;
        text = null;
        ArchiveDefault mode;
        switch (prefs.GetAttribute("default"))
        {
            case "always":
                mode = ArchiveDefault.Always;
                break;
            case "never":
                mode = ArchiveDefault.Never;
                break;
            case "roster":
                mode = ArchiveDefault.Roster;
                break;
            default:
                text = "'default' must be always, never or roster";
                return false;
        }

        if (!TryReadList(prefs, "always", out var always) || !TryReadList(prefs, "never", out var never))
        {
            text = "Every <jid/> must hold a valid JID";
            return false;
        }

        // A JID in both lists would be ambiguous; 'never' is the safer reading for a privacy setting.
        always.RemoveAll(never.Contains);
        preferences = new ArchivePreferences(mode, always, never);
        return true;
    }

    private static void AddList(XmppElement prefs, string name, IReadOnlyList<Jid> jids)
    {
        var list = prefs.AddElement(name);
        foreach (var jid in jids)
        {
            list.AddTextElement("jid", MamNamespaces.Mam, jid.ToString());
        }
    }

    private static bool TryReadList(XmppElement prefs, string name, out List<Jid> jids)
    {
        jids = [];
        if (prefs.Element(name, MamNamespaces.Mam) is not { } list)
        {
            return true;
        }

        foreach (var entry in list.Elements("jid", MamNamespaces.Mam))
        {
            if (!Jid.TryParse(entry.Text.Trim(), out var jid))
            {
                return false;
            }

            if (!jids.Contains(jid))
            {
                jids.Add(jid);
            }
        }

        return true;
    }
}
