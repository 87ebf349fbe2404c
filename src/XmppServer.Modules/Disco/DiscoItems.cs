using XmppServer.Protocol;

namespace XmppServer.Modules.Disco;

/// <summary>Builds disco#items results (XEP-0030 §4.1).</summary>
internal static class DiscoItems
{
    public const string DomainPlaceholder = "{domain}";

    public static string Expand(string jid, string domain) => jid.Replace(DomainPlaceholder, domain, StringComparison.Ordinal);

    /// <summary>The configured items of <paramref name="domain"/>; an empty query when there are none (XEP-0030 §7).</summary>
    public static XmppElement ForServer(IEnumerable<DiscoItemOptions> items, string domain)
    {
        var query = new XmppElement("query", Namespaces.DiscoItems);
        foreach (var item in items)
        {
            var element = query.AddElement("item");
            element.SetAttribute("jid", Jid.TryParse(Expand(item.Jid, domain), out var jid) ? jid.ToString() : item.Jid);
            element.SetAttribute("name", string.IsNullOrEmpty(item.Name) ? null : item.Name);
            element.SetAttribute("node", string.IsNullOrEmpty(item.Node) ? null : item.Node);
        }

        return query;
    }
}
