using System.Globalization;
using XmppServer.Protocol;

namespace XmppServer.Modules.Offline;

/// <summary>The &lt;delay xmlns='urn:xmpp:delay'/&gt; notation of XEP-0203.</summary>
internal static class DelayNotation
{
    /// <summary>XEP-0082 DateTime profile in UTC, with milliseconds so stored messages keep their order.</summary>
    public const string StampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public static string FormatStamp(DateTimeOffset stamp)
        => stamp.UtcDateTime.ToString(StampFormat, CultureInfo.InvariantCulture);

    /// <summary>
    /// XEP-0203 §2: 'from' is the entity that delayed the stanza (the server's domain for offline storage, as in
    /// XEP-0160 §2) and 'stamp' is when it was stored; the text gives the reason.
    /// </summary>
    public static XmppElement Create(string from, DateTimeOffset stamp)
    {
        var delay = new XmppElement("delay", Namespaces.Delay);
        delay.SetAttribute("from", from);
        delay.SetAttribute("stamp", FormatStamp(stamp));
        delay.AddText("Offline Storage");
        return delay;
    }

    /// <summary>
    /// XEP-0203 §5: a notation whose 'from' is this server's own address is discarded, since it can only be forged
    /// by the sender. Returns how many were removed.
    /// </summary>
    public static int RemoveForged(XmppElement message, Jid server)
        => message.RemoveAll(node => node is XmppElement element
            && element.Is("delay", Namespaces.Delay)
            && Jid.TryParse(element.GetAttribute("from"), out var from)
            && from == server);
}
