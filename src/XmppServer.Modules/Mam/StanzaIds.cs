using XmppServer.Protocol;

namespace XmppServer.Modules.Mam;

/// <summary>XEP-0359 &lt;stanza-id/&gt; elements, and the archive ids they carry.</summary>
internal static class StanzaIds
{
    /// <summary>A random id: 96 random bits, URL-safe base64, so it says nothing about the archive.</summary>
    public static string NewId()
    {
        // XEP-0359 §3 rule 1: ids SHOULD be unpredictable, and §6: nobody may infer anything (such as the archive's
        // size) from one.
        Span<byte> bytes = stackalloc byte[12];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        return Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_');
    }

    public static XmppElement Create(string id, Jid by)
    {
        var element = new XmppElement("stanza-id", MamNamespaces.StanzaId);
        element.SetAttribute("id", id);
        element.SetAttribute("by", by.ToString());
        return element;
    }

    /// <summary>
    /// XEP-0359 §3 rule 2: an entity that assigns ids as <paramref name="by"/> removes every &lt;stanza-id/&gt;
    /// claiming to be by it, even when it adds none: only it can have set one, so any other is forged.
    /// </summary>
    public static int RemoveForged(XmppElement message, Jid by)
    {
        // Runs for every message, nearly none of which carries one: look first, and build the predicate (a closure)
        // only when there is something to remove.
        foreach (var element in message.Elements("stanza-id", MamNamespaces.StanzaId))
        {
            if (IsBy(element, by))
            {
                return RemoveAllBy(message, by);
            }
        }

        return 0;
    }

    private static int RemoveAllBy(XmppElement message, Jid by)
        => message.RemoveAll(node => node is XmppElement element && element.Is("stanza-id", MamNamespaces.StanzaId) && IsBy(element, by));

    private static bool IsBy(XmppElement stanzaId, Jid by) => Jid.TryParse(stanzaId.GetAttribute("by"), out var claimed) && claimed == by;
}
