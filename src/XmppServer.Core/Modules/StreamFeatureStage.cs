namespace XmppServer.Core.Modules;

/// <summary>When a stream feature is offered (RFC 6120 §4.3.2).</summary>
public enum StreamFeatureStage
{
    /// <summary>Before SASL, next to STARTTLS and the mechanisms.</summary>
    BeforeAuthentication,

    /// <summary>After the stream restart that follows SASL success, next to bind.</summary>
    Authenticated,
}
