namespace XmppServer.Core.Routing;

/// <summary>The two points where modules see a stanza.</summary>
public enum StanzaDirection
{
    /// <summary>Sent by a local client, before it is routed ('from' already stamped). Prosody's "pre-" events.</summary>
    Outbound,

    /// <summary>Arriving for a local address, from a local or a remote sender, before default delivery.</summary>
    Inbound,

    /// <summary>
    /// A message for an account that has no available resource with non-negative priority (RFC 6121 §8.5.2.2,
    /// §8.5.3.2.1). A hook that stores it returns true; when none does, the router bounces service-unavailable
    /// for chat and normal messages and drops the rest. Registered with <see cref="AddressKind.Bare"/>.
    /// </summary>
    Undeliverable,
}
