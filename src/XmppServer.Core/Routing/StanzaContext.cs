using XmppServer.Protocol;

namespace XmppServer.Core.Routing;

/// <summary>A stanza on its way through the router.</summary>
/// <param name="Stanza">The stanza; 'from' is always set and trustworthy.</param>
/// <param name="From">The sender as stamped by the server.</param>
/// <param name="To">The parsed 'to', or null when absent.</param>
/// <param name="Origin">The local client session that sent it, or null (server-generated or from another server).</param>
public sealed record StanzaContext(XmppElement Stanza, StanzaKind Kind, Jid From, Jid? To, IXmppSession? Origin)
{
    /// <summary>The 'type' attribute, or null.</summary>
    public string? Type => Stanza.Type;

    public AddressKind ToKind => To switch
    {
        null => AddressKind.None,
        { IsFull: true } => AddressKind.Full,
        { Local: null } => AddressKind.Host,
        _ => AddressKind.Bare,
    };
}
