namespace XmppServer.Core.Sasl;

/// <summary>SASL failure conditions (RFC 6120 §6.5).</summary>
public enum SaslFailureCondition
{
    Aborted,
    AccountDisabled,
    CredentialsExpired,
    EncryptionRequired,
    IncorrectEncoding,
    InvalidAuthzid,
    InvalidMechanism,
    MalformedRequest,
    MechanismTooWeak,
    NotAuthorized,
    TemporaryAuthFailure,
}
