namespace XmppServer.Core.Routing;

/// <summary>The two points where modules see a stanza.</summary>
public enum StanzaDirection
{
    /// <summary>Sent by a local client, before it is routed ('from' already stamped). Prosody's "pre-" events.</summary>
    Outbound,

    /// <summary>Arriving for a local address, from a local or a remote sender, before default delivery.</summary>
    Inbound,
}
