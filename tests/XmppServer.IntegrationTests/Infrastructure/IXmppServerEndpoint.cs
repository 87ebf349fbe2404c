namespace XmppServer.IntegrationTests.Infrastructure;

/// <summary>Where a test client finds a server: an in-process <see cref="TestServer"/> or a <see cref="ServerProcess"/>.</summary>
public interface IXmppServerEndpoint
{
    /// <summary>The STARTTLS port on 127.0.0.1.</summary>
    int Port { get; }

    /// <summary>The direct TLS port (XEP-0368) on 127.0.0.1.</summary>
    int TlsPort { get; }

    /// <summary>The PEM certificate the server presents, which the client trusts.</summary>
    string CertificatePath { get; }
}
