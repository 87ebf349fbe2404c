using XmppServer.Core.Accounts;

namespace XmppServer.Core.Sasl;

/// <summary>What a mechanism may know about the stream it runs on.</summary>
/// <param name="Domain">The domain the client is logging in to.</param>
/// <param name="IsSecure">True when the stream is encrypted; PLAIN is refused without it.</param>
/// <param name="LookupCredentials">Finds the stored credentials of a prepared localpart, or null for no such account.</param>
/// <param name="ChannelBinding">
/// Returns channel-binding data for a type ("tls-server-end-point", "tls-exporter", "tls-unique"), or null when the
/// connection cannot provide it (RFC 5929, RFC 9266).
/// </param>
public sealed record SaslContext(
    string Domain,
    bool IsSecure,
    Func<string, CancellationToken, ValueTask<StoredCredentials?>> LookupCredentials,
    Func<string, byte[]?> ChannelBinding);
