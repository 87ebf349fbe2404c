using XmppServer.Core.Accounts;
using XmppServer.Core.Sasl;

namespace XmppServer.Core.Tests.Sasl;

internal static class SaslTestContext
{
    public const string Domain = "example.com";

    /// <summary>A context over an in-memory account table and a fixed set of channel-binding data.</summary>
    public static SaslContext Create(
        bool secure,
        IReadOnlyDictionary<string, StoredCredentials>? accounts = null,
        IReadOnlyDictionary<string, byte[]>? channelBindings = null,
        List<string>? lookups = null)
        => new(
            Domain,
            secure,
            (localpart, _) =>
            {
                lookups?.Add(localpart);
                return ValueTask.FromResult(accounts is not null && accounts.TryGetValue(localpart, out var found) ? found : null);
            },
            type => channelBindings is not null && channelBindings.TryGetValue(type, out var data) ? data : null);
}
