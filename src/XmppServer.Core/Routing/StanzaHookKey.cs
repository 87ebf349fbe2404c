namespace XmppServer.Core.Routing;

/// <summary>Typed key of a stanza hook, e.g. (Presence, Inbound, Bare) for subscription requests to an account.</summary>
public readonly record struct StanzaHookKey(StanzaKind Kind, StanzaDirection Direction, AddressKind To);
