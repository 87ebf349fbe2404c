using System.Text;
using System.Text.Unicode;
using XmppServer.Core.Accounts;
using XmppServer.Protocol;

namespace XmppServer.Core.Sasl;

/// <summary>The server side of PLAIN (RFC 4616), for clients without SCRAM; only ever run over TLS.</summary>
internal sealed class PlainMechanism(SaslContext context, AuthenticationOptions options) : ISaslMechanism
{
    private bool _challenged;
    private bool _done;

    public string Name => SaslMechanisms.Plain;

    public async ValueTask<SaslStep> StepAsync(ReadOnlyMemory<byte> clientMessage, CancellationToken cancellationToken)
    {
        if (_done)
        {
            return new SaslStep.Failure(SaslFailureCondition.MalformedRequest, "The exchange is over.");
        }

        // RFC 4616 §6 and RFC 6120 §6.5.5: the password travels in the clear, so the stream must be encrypted.
        if (!context.IsSecure)
        {
            _done = true;
            return new SaslStep.Failure(SaslFailureCondition.EncryptionRequired);
        }

        if (clientMessage.IsEmpty && !_challenged)
        {
            // RFC 6120 §6.4.2: no initial response, so ask for it with an empty challenge.
            _challenged = true;
            return new SaslStep.Challenge([]);
        }

        _done = true;

        // RFC 4616 §2: message = [authzid] UTF8NUL authcid UTF8NUL passwd, with authcid and passwd not empty.
        var bytes = clientMessage.Span;
        var first = bytes.IndexOf((byte)0);
        var second = first < 0 ? -1 : bytes[(first + 1)..].IndexOf((byte)0) + first + 1;
        if (!Utf8.IsValid(bytes) || first < 0 || second <= first || bytes[(second + 1)..].Contains((byte)0)
            || second == first + 1 || second == bytes.Length - 1)
        {
            return new SaslStep.Failure(SaslFailureCondition.MalformedRequest);
        }

        var authzid = Encoding.UTF8.GetString(bytes[..first]);
        var authcid = Encoding.UTF8.GetString(bytes[(first + 1)..second]);
        var password = Encoding.UTF8.GetString(bytes[(second + 1)..]);

        // RFC 6120 §6.3.7 and RFC 7622 §3.3: the simple user name is an XMPP localpart.
        var localpart = JidPrep.PrepareLocal(authcid);
        if (localpart is null || !Jid.TryCreate(localpart, context.Domain, null, out var user))
        {
            return new SaslStep.Failure(SaslFailureCondition.NotAuthorized);
        }

        // RFC 6120 §6.3.8: the only identity a user may act as is their own bare JID.
        if (authzid.Length > 0 && (!Jid.TryParse(authzid, out var requested) || requested != user))
        {
            return new SaslStep.Failure(SaslFailureCondition.InvalidAuthzid);
        }

        var credentials = await context.LookupCredentials(localpart, cancellationToken);

        // No user enumeration: an unknown user costs the same key derivation as a known one and fails the same way.
        var known = credentials is not null;
        var matches = PasswordHasher.Verify(credentials ?? DecoyCredentials.For(localpart, options.ScramIterations), password);
        return matches && known
            ? new SaslStep.Success(localpart, null)
            : new SaslStep.Failure(SaslFailureCondition.NotAuthorized);
    }
}
