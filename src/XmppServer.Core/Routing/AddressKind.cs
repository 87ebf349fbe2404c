namespace XmppServer.Core.Routing;

/// <summary>The shape of a stanza's 'to' address (RFC 6121 §8.5 delivery rules depend on it).</summary>
public enum AddressKind
{
    /// <summary>No 'to' attribute.</summary>
    None,

    /// <summary>A domain JID.</summary>
    Host,

    /// <summary>localpart@domain.</summary>
    Bare,

    /// <summary>localpart@domain/resource (or domain/resource).</summary>
    Full,
}
