using XmppServer.Protocol;

namespace XmppServer.Core.Modules;

/// <summary>An IQ request addressed to the server or to an account.</summary>
/// <param name="Stanza">The whole &lt;iq/&gt;, with 'from' stamped by the server.</param>
/// <param name="Payload">The single child element that names the request (RFC 6120 §8.2.3).</param>
/// <param name="From">The requester, a full JID for local clients.</param>
/// <param name="To">The addressed entity: the domain, or an account's bare JID (the requester's when 'to' was absent).</param>
/// <param name="Session">The requester's session when it is a local client, else null.</param>
public sealed record IqContext(XmppElement Stanza, XmppElement Payload, IqType Type, Jid From, Jid To, IXmppSession? Session)
{
    /// <summary>True when the requester addresses its own account.</summary>
    public bool IsSelf => From.Bare == To;
}
