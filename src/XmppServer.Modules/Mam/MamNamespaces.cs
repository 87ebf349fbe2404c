namespace XmppServer.Modules.Mam;

/// <summary>The namespaces of message archiving and the protocols it builds on.</summary>
internal static class MamNamespaces
{
    /// <summary>XEP-0313 queries, results, metadata; XEP-0441 preferences share it.</summary>
    public const string Mam = "urn:xmpp:mam:2";

    /// <summary>XEP-0313 §7: before-id, after-id, ids, flipped pages and metadata.</summary>
    public const string MamExtended = "urn:xmpp:mam:2#extended";

    /// <summary>XEP-0359 unique and stable stanza ids.</summary>
    public const string StanzaId = "urn:xmpp:sid:0";

    /// <summary>XEP-0059 result set management.</summary>
    public const string Rsm = "http://jabber.org/protocol/rsm";

    /// <summary>XEP-0297 stanza forwarding.</summary>
    public const string Forward = "urn:xmpp:forward:0";

    /// <summary>XEP-0334 message processing hints.</summary>
    public const string Hints = "urn:xmpp:hints";

    /// <summary>XEP-0122 data forms validation.</summary>
    public const string DataValidate = "http://jabber.org/protocol/xdata-validate";
}
