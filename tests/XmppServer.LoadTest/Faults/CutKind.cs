namespace XmppServer.LoadTest.Faults;

/// <summary>Where in the conversation a link is cut.</summary>
internal enum CutKind
{
    /// <summary>Right before the client's &lt;a/&gt;: the server never learns what the client handled.</summary>
    BeforeClientAck,

    /// <summary>Right after the client's &lt;a/&gt;: the server has it, and the link dies at once.</summary>
    AfterClientAck,

    /// <summary>The client's &lt;r/&gt; reaches the server, its &lt;a/&gt; never reaches the client.</summary>
    BeforeServerAck,

    /// <summary>Right after the server's &lt;a/&gt; reached the client.</summary>
    AfterServerAck,

    /// <summary>Inside a message the client is sending (the server gets part of its TLS record).</summary>
    MidStanzaUp,

    /// <summary>At a random byte of what the server sends next (usually inside a TLS record, so inside a stanza).</summary>
    MidStanzaDown,

    /// <summary>Both directions reset at a random moment (during negotiation, a resumption, a catch-up, anything).</summary>
    ResetNow,
}

/// <summary>How the link goes down once the cut point is reached.</summary>
internal enum CutMode
{
    /// <summary>TCP reset in both directions: whatever is in flight may be lost.</summary>
    Reset,

    /// <summary>
    /// The server gets everything up to the cut point and then end-of-stream (no closing tag), as when a client's
    /// network goes away after its last packet; the client's side is reset.
    /// </summary>
    EndToServer,
}
