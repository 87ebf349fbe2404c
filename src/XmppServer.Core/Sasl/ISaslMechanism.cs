namespace XmppServer.Core.Sasl;

/// <summary>The server side of one SASL exchange (RFC 6120 §6.4). One instance per authentication attempt.</summary>
public interface ISaslMechanism
{
    string Name { get; }

    /// <summary>
    /// Processes the client's initial response (empty when none was sent) or a later &lt;response/&gt;.
    /// </summary>
    ValueTask<SaslStep> StepAsync(ReadOnlyMemory<byte> clientMessage, CancellationToken cancellationToken);
}
