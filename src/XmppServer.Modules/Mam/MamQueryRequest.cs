using System.Globalization;
using XmppServer.Protocol;

namespace XmppServer.Modules.Mam;

/// <summary>A parsed &lt;query xmlns='urn:xmpp:mam:2'/&gt; (XEP-0313 §4): its data form, RSM set and flags.</summary>
internal sealed record MamQueryRequest(string? QueryId, ArchiveQuery Query, bool FlipPage)
{
    private static readonly string[] TimestampFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
    ];

    /// <summary>Parses the query; on failure <paramref name="error"/> is the condition to answer with.</summary>
    public static bool TryParse(
        XmppElement query, int defaultPageSize, int maxPageSize, out MamQueryRequest request, out StanzaErrorCondition error, out string? text)
    {
        ArgumentNullException.ThrowIfNull(query);
        request = null!;
        error = StanzaErrorCondition.BadRequest;
        text = null;
        var parsed = new ArchiveQuery { Max = Math.Min(defaultPageSize, maxPageSize) };

        // XEP-0442 reserves 'node' for pubsub archives; a user archive has no nodes.
        if (query.GetAttribute("node") is not null)
        {
            error = StanzaErrorCondition.ItemNotFound;
            text = "A user archive has no nodes";
            return false;
        }

        if (query.Element("x", Namespaces.DataForms) is { } form && !TryParseForm(form, ref parsed, out error, out text))
        {
            return false;
        }

        if (query.Element("set", MamNamespaces.Rsm) is { } set && !TryParseSet(set, maxPageSize, ref parsed, out error, out text))
        {
            return false;
        }

        request = new MamQueryRequest(query.GetAttribute("queryid"), parsed, query.Element("flip-page", MamNamespaces.Mam) is not null);
        return true;
    }

    public static bool TryParseTimestamp(string value, out DateTimeOffset stamp)
        => DateTimeOffset.TryParseExact(
            value.Trim(), TimestampFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out stamp);

    private static bool TryParseForm(XmppElement form, ref ArchiveQuery query, out StanzaErrorCondition error, out string? text)
    {
        error = StanzaErrorCondition.BadRequest;
        text = null;

        // XEP-0004 §3.1: a form the requester fills in is submitted with type 'submit'.
        if (form.Type != "submit")
        {
            text = "The query form must be of type 'submit'";
            return false;
        }

        foreach (var field in form.Elements("field", Namespaces.DataForms))
        {
            var name = field.GetAttribute("var");
            var values = field.Elements("value", Namespaces.DataForms).Select(v => v.Text).ToList();
            var value = values.Count > 0 ? values[0] : null;
            switch (name)
            {
                // XEP-0313 §4.1: the hidden FORM_TYPE is this protocol's namespace.
                case "FORM_TYPE":
                    if (value != MamNamespaces.Mam)
                    {
                        text = "FORM_TYPE must be " + MamNamespaces.Mam;
                        return false;
                    }

                    break;

                // XEP-0313 §4.1.1: messages to or from this JID.
                case "with" when value is not null:
                    if (!Jid.TryParse(value.Trim(), out var with))
                    {
                        error = StanzaErrorCondition.JidMalformed;
                        text = "'with' is not a JID";
                        return false;
                    }

                    query = query with { With = with };
                    break;

                // XEP-0313 §4.1.2: XEP-0082 timestamps, both ends inclusive.
                case "start" or "end" when value is not null:
                    if (!TryParseTimestamp(value, out var stamp))
                    {
                        text = $"'{name}' is not a XEP-0082 timestamp";
                        return false;
                    }

                    query = name == "start" ? query with { Start = stamp } : query with { End = stamp };
                    break;

                // XEP-0313 §4.1.3: exclusive bounds by archive id, and single messages by id.
                case "before-id" when value is not null:
                    query = query with { BeforeId = value };
                    break;
                case "after-id" when value is not null:
                    query = query with { AfterId = value };
                    break;
                case "ids":
                    query = query with { Ids = values };
                    break;

                // An empty value leaves a known filter unset (XEP-0004 §3.6).
                case "with" or "start" or "end" or "before-id" or "after-id":
                    break;

                // XEP-0313 §4.1.5: a field the server does not know gets feature-not-implemented ('include-groupchat'
                // included: this server does not advertise it).
                default:
                    error = StanzaErrorCondition.FeatureNotImplemented;
                    text = $"Unknown field '{name}'";
                    return false;
            }
        }

        return true;
    }

    private static bool TryParseSet(XmppElement set, int maxPageSize, ref ArchiveQuery query, out StanzaErrorCondition error, out string? text)
    {
        error = StanzaErrorCondition.BadRequest;
        text = null;
        if (set.ElementText("max", MamNamespaces.Rsm) is { } maxText)
        {
            if (!int.TryParse(maxText.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var max))
            {
                text = "<max/> must be a non-negative integer";
                return false;
            }

            // XEP-0313 §4.3.1: the server may return fewer results than asked for, and says so in <fin/>.
            query = query with { Max = Math.Min(max, maxPageSize) };
        }

        // XEP-0059 §2.6: paging by index may be refused when deriving the position is too costly; keyset paging by
        // id is what this archive is built for.
        if (set.Element("index", MamNamespaces.Rsm) is not null)
        {
            error = StanzaErrorCondition.FeatureNotImplemented;
            text = "Paging by index is not supported; page by id";
            return false;
        }

        if (set.Element("after", MamNamespaces.Rsm) is { } after)
        {
            if (after.Text.Length == 0)
            {
                text = "<after/> needs an id";
                return false;
            }

            query = query with { PageAfter = after.Text };
        }

        // XEP-0059 §2.5: an empty <before/> asks for the last page.
        if (set.Element("before", MamNamespaces.Rsm) is { } before)
        {
            query = query with { PageBefore = before.Text };
        }

        return true;
    }
}
