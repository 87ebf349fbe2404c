using System.Net;

namespace XmppServer.LoadTest.Client;

/// <summary>What every load client of a run shares: where to connect and how to negotiate.</summary>
internal sealed class ClientSettings
{
    public required IPEndPoint Server { get; init; }

    public required string Domain { get; init; }

    public required string UserPrefix { get; init; }

    public required string Password { get; init; }

    public string ResourcePrefix { get; init; } = "load";

    /// <summary>XEP-0368 direct TLS instead of STARTTLS.</summary>
    public bool DirectTls { get; init; }

    public SaslMechanism Mechanism { get; init; } = SaslMechanism.ScramSha1;

    /// <summary>Send the RFC 3921 session IQ whenever it is advertised, even when marked optional.</summary>
    public bool ForceSession { get; init; }

    public required CertificateTrust Trust { get; init; }

    public SaltedPasswordCache ScramCache { get; } = new();

    /// <summary>Local addresses connections are bound to in turn, so that ephemeral ports do not run out.</summary>
    public IReadOnlyList<IPAddress> SourceAddresses { get; init; } = [];

    public IPAddress? SourceFor(long connectionIndex)
        => SourceAddresses.Count == 0 ? null : SourceAddresses[(int)(connectionIndex % SourceAddresses.Count)];
}
