using XmppServer.Protocol;

namespace XmppServer.Core;

/// <summary>
/// An authenticated client session with a bound resource, as the router and modules see it. Sending never waits:
/// stanzas go to the session's bounded outbound queue.
/// </summary>
public interface IXmppSession
{
    /// <summary>Stable id for logs (the connection id).</summary>
    string Id { get; }

    /// <summary>The full JID: account bare JID plus bound resource.</summary>
    Jid Jid { get; }

    /// <summary>True once the stream is encrypted (STARTTLS or direct TLS).</summary>
    bool IsSecure { get; }

    /// <summary>True after the client sent available presence with no 'to' and until it sends unavailable (RFC 6121 §4.2, §4.5).</summary>
    bool IsAvailable { get; }

    /// <summary>Priority of the last available presence; 0 before any (RFC 6121 §4.7.2.3).</summary>
    int Priority { get; }

    /// <summary>The last broadcast available presence, or null.</summary>
    XmppElement? Presence { get; }

    /// <summary>True once the client has requested the roster (an "interested resource", RFC 6121 §2.1.6).</summary>
    bool IsRosterInterested { get; set; }

    /// <summary>Per-session state owned by modules, keyed by type.</summary>
    SessionItems Items { get; }

    /// <summary>The filter this session's outbound stanzas pass through, or null (the usual case).</summary>
    IOutboundFilter? OutboundFilter { get; }

    /// <summary>Queues a stanza for this client. Returns false when the session is closing or its queue overflowed.</summary>
    /// <remarks>With an <see cref="OutboundFilter"/>, the filter decides when the stanza reaches the queue.</remarks>
    bool Send(XmppElement stanza);

    /// <summary>
    /// Installs <paramref name="filter"/> in front of the outbound queue, or with null removes the current one. A
    /// filter that is replaced or removed passes on what it holds first (<see cref="IOutboundFilter.Release"/>).
    /// </summary>
    void SetOutboundFilter(IOutboundFilter? filter);

    /// <summary>Ends the stream, with a stream error when <paramref name="error"/> is set.</summary>
    ValueTask CloseAsync(StreamErrorCondition? error, string? text = null);
}
