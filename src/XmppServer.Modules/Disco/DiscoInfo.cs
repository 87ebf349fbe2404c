using XmppServer.Core.Modules;
using XmppServer.Protocol;

namespace XmppServer.Modules.Disco;

/// <summary>
/// The disco#info answer of one kind of entity (the server, or any account), built once from what the modules
/// registered; every response is a copy, since a routed stanza may be shared.
/// </summary>
internal sealed class DiscoInfo
{
    private readonly XmppElement _query;

    private DiscoInfo(XmppElement query) => _query = query;

    public static DiscoInfo Create(DiscoIdentity primary, ModuleRegistry registry, DiscoScope scope)
    {
        var query = new XmppElement("query", Namespaces.DiscoInfo);

        // XEP-0030 §3.1: at least one identity, and never two with the same category and type (and xml:lang) but
        // different names; the entity's primary identity comes first and wins such a clash.
        var identities = new List<DiscoIdentity> { primary };
        foreach (var identity in registry.IdentitiesFor(scope)
                     .OrderBy(i => i.Category, StringComparer.Ordinal)
                     .ThenBy(i => i.Type, StringComparer.Ordinal))
        {
            if (!identities.Exists(i => i.Category == identity.Category && i.Type == identity.Type))
            {
                identities.Add(identity);
            }
        }

        foreach (var identity in identities)
        {
            query.AddElement("identity")
                .SetAttribute("category", identity.Category)
                .SetAttribute("type", identity.Type)
                .SetAttribute("name", identity.Name);
        }

        // XEP-0030 §3.1: every entity supports disco#info. Sorted and distinct so that the answer (and any
        // XEP-0115 hash computed over it) is stable.
        var features = new SortedSet<string>(registry.Features(scope), StringComparer.Ordinal) { Namespaces.DiscoInfo };
        foreach (var feature in features)
        {
            query.AddElement("feature").SetAttribute("var", feature);
        }

        // XEP-0128 §2: extended information as result data forms inside the query.
        foreach (var form in registry.DiscoExtensions(scope))
        {
            query.Add(form.Clone());
        }

        return new DiscoInfo(query);
    }

    public XmppElement ToElement() => _query.Clone();
}
