using XmppServer.Protocol;

namespace XmppServer.Core.Routing;

/// <summary>A stanza on its way through the router.</summary>
/// <param name="Stanza">The stanza; 'from' is always set and trustworthy.</param>
/// <param name="From">The sender as stamped by the server.</param>
/// <param name="To">The parsed 'to', or null when absent.</param>
/// <param name="Origin">The local client session that sent it, or null (server-generated or from another server).</param>
public sealed record StanzaContext(XmppElement Stanza, StanzaKind Kind, Jid From, Jid? To, IXmppSession? Origin)
{
    /// <summary>
    /// True when the stanza was accepted, and handed to a session, once already, and is routed again because that
    /// session ended without the client acknowledging it (XEP-0198 §5, RFC 6121 §8.5.3.2.1). Hooks that record a
    /// stanza once on its way in (the archive) leave it as it is.
    /// </summary>
    public bool IsRedelivery { get; init; }

    /// <summary>Shared by every copy of the context (with-expressions copy the reference).</summary>
    internal HandlingWork? Work { get; init; }

    /// <summary>
    /// Lets the router count the stanza as handled (XEP-0198 §4: the server has taken responsibility for it) only once
    /// <paramref name="work"/> has finished, while the stanza goes on its way meanwhile. For work that must be done
    /// before the sender is told, but that the recipient need not wait for, such as the sender's own archive entry.
    /// Stanzas not sent by a local client have no acknowledgement to hold back: the work is only started.
    /// </summary>
    public void CompleteBeforeHandled(Task work) => Work?.Add(work);

    /// <summary>
    /// True when the stanza came from a local client, so work given to <see cref="CompleteBeforeHandled"/> holds back
    /// its acknowledgement; false when nothing would wait for that work, so a hook that needs it done first awaits it.
    /// </summary>
    public bool HoldsAcknowledgement => Work is not null;

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
