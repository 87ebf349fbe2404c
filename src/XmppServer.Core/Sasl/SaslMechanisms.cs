using XmppServer.Core.Accounts;

namespace XmppServer.Core.Sasl;

/// <summary>The mechanisms the server implements, in order of preference.</summary>
public static class SaslMechanisms
{
    /// <summary>
    /// Names to advertise on this stream, strongest first: SCRAM-SHA-256-PLUS and SCRAM-SHA-1-PLUS when channel
    /// binding is available, SCRAM-SHA-256, SCRAM-SHA-1, and PLAIN only on an encrypted stream.
    /// </summary>
    public static IReadOnlyList<string> Offered(SaslContext context, AuthenticationOptions options)
        => throw new NotImplementedException();

    /// <summary>A fresh mechanism for one attempt, or null when the name is not offered on this stream.</summary>
    public static ISaslMechanism? Create(string name, SaslContext context, AuthenticationOptions options)
        => throw new NotImplementedException();
}
