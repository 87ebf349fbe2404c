using XmppServer.Protocol;

namespace XmppServer.Modules.Disco;

/// <summary>The XEP-0157 contact-address form, a XEP-0128 extension of the server's disco#info.</summary>
internal static class ServerInfoForm
{
    public const string FormType = "http://jabber.org/network/serverinfo";

    /// <summary>The form, or null when no address is configured (then nothing is published).</summary>
    public static XmppElement? Create(ContactAddressesOptions addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);

        // XEP-0157 §6.1: the registered field names of the serverinfo FORM_TYPE.
        (string Var, IList<string> Values)[] fields =
        [
            ("abuse-addresses", addresses.Abuse),
            ("admin-addresses", addresses.Admin),
            ("feedback-addresses", addresses.Feedback),
            ("sales-addresses", addresses.Sales),
            ("security-addresses", addresses.Security),
            ("status-addresses", addresses.Status),
            ("support-addresses", addresses.Support),
        ];
        if (fields.All(f => f.Values.Count == 0))
        {
            return null;
        }

        // XEP-0128 §2: a result form whose hidden FORM_TYPE field names the registered form.
        var form = new XmppElement("x", Namespaces.DataForms);
        form.SetAttribute("type", "result");
        form.AddElement("field").SetAttribute("var", "FORM_TYPE").SetAttribute("type", "hidden")
            .AddTextElement("value", Namespaces.DataForms, FormType);
        foreach (var (name, values) in fields)
        {
            if (values.Count == 0)
            {
                continue;
            }

            var field = form.AddElement("field").SetAttribute("var", name);
            foreach (var value in values)
            {
                field.AddTextElement("value", Namespaces.DataForms, value);
            }
        }

        return form;
    }
}
