using System.Security.Cryptography;
using XmppServer.Core.Accounts;

namespace XmppServer.Core.Sasl;

/// <summary>The mechanisms the server implements, in order of preference.</summary>
public static class SaslMechanisms
{
    public const string ScramSha256Plus = "SCRAM-SHA-256-PLUS";
    public const string ScramSha1Plus = "SCRAM-SHA-1-PLUS";
    public const string ScramSha256 = "SCRAM-SHA-256";
    public const string ScramSha1 = "SCRAM-SHA-1";
    public const string Plain = "PLAIN";

    /// <summary>RFC 9266 tls-exporter: the binding for TLS 1.3 (and 1.2 with extended master secret).</summary>
    public const string TlsExporter = "tls-exporter";

    /// <summary>RFC 5929 §4 tls-server-end-point: a hash of the server certificate.</summary>
    public const string TlsServerEndPoint = "tls-server-end-point";

    /// <summary>RFC 5929 §3 tls-unique: the first Finished message (TLS 1.2 and earlier only).</summary>
    public const string TlsUnique = "tls-unique";

    private static readonly string[] KnownChannelBindingTypes = [TlsExporter, TlsServerEndPoint, TlsUnique];

    /// <summary>
    /// Names to advertise on this stream, strongest first: SCRAM-SHA-256-PLUS and SCRAM-SHA-1-PLUS when channel
    /// binding is available, SCRAM-SHA-256, SCRAM-SHA-1, and PLAIN only on an encrypted stream.
    /// </summary>
    public static IReadOnlyList<string> Offered(SaslContext context, AuthenticationOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        var offered = new List<string>(5);

        // RFC 5802 §6: -PLUS only when the server can bind to the channel. tls-unique alone does not count: it is
        // undefined for TLS 1.3 (RFC 9266 §1), so clients cannot rely on it.
        if (AdvertisesChannelBinding(context))
        {
            offered.Add(ScramSha256Plus);
            offered.Add(ScramSha1Plus);
        }

        offered.Add(ScramSha256);
        offered.Add(ScramSha1);

        // RFC 4616 §6: PLAIN exposes the password to anyone who can read the stream, so only under TLS.
        if (context.IsSecure && options.AllowPlain)
        {
            offered.Add(Plain);
        }

        return offered;
    }

    /// <summary>
    /// The channel-binding types this stream can provide, for the XEP-0440 &lt;sasl-channel-binding/&gt; stream
    /// feature; empty when there is none.
    /// </summary>
    public static IReadOnlyList<string> ChannelBindingTypes(SaslContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return [.. KnownChannelBindingTypes.Where(type => context.ChannelBinding(type) is not null)];
    }

    /// <summary>A fresh mechanism for one attempt, or null when the name is not offered on this stream.</summary>
    public static ISaslMechanism? Create(string name, SaslContext context, AuthenticationOptions options)
        => Create(name, context, options, serverNonce: null);

    /// <summary>As <see cref="Create(string, SaslContext, AuthenticationOptions)"/>, with a fixed SCRAM server nonce for tests.</summary>
    internal static ISaslMechanism? Create(string name, SaslContext context, AuthenticationOptions options, string? serverNonce)
    {
        ArgumentNullException.ThrowIfNull(name);
        var offered = Offered(context, options);
        if (!offered.Contains(name, StringComparer.Ordinal))
        {
            return null;
        }

        // RFC 5802 §6: a SCRAM exchange must know whether -PLUS was offered, to catch a "y" flag downgrade.
        var plusOffered = offered.Contains(ScramSha256Plus, StringComparer.Ordinal);
        return name switch
        {
            ScramSha256Plus => new ScramMechanism(name, HashAlgorithmName.SHA256, plus: true, context, options, plusOffered, serverNonce),
            ScramSha1Plus => new ScramMechanism(name, HashAlgorithmName.SHA1, plus: true, context, options, plusOffered, serverNonce),
            ScramSha256 => new ScramMechanism(name, HashAlgorithmName.SHA256, plus: false, context, options, plusOffered, serverNonce),
            ScramSha1 => new ScramMechanism(name, HashAlgorithmName.SHA1, plus: false, context, options, plusOffered, serverNonce),
            Plain => new PlainMechanism(context, options),
            _ => null,
        };
    }

    internal static bool IsKnownChannelBindingType(string type) => KnownChannelBindingTypes.Contains(type, StringComparer.Ordinal);

    private static bool AdvertisesChannelBinding(SaslContext context)
        => context.ChannelBinding(TlsServerEndPoint) is not null || context.ChannelBinding(TlsExporter) is not null;
}
