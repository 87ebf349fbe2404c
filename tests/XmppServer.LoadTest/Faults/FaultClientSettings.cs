using System.Net;
using XmppServer.LoadTest.Client;

namespace XmppServer.LoadTest.Faults;

/// <summary>What the clients of a fault run share.</summary>
internal sealed class FaultClientSettings
{
    /// <summary>Where the clients connect: the fault proxy.</summary>
    public required IPEndPoint Server { get; init; }

    public required string Domain { get; init; }

    public required string UserPrefix { get; init; }

    public required string Password { get; init; }

    public required CertificateTrust Trust { get; init; }

    public SaltedPasswordCache ScramCache { get; } = new();

    /// <summary>Each client binds this one resource, as a real device does, so a new session replaces an old one.</summary>
    public string Resource { get; init; } = "fault";

    /// <summary>Stanzas a client keeps unacknowledged at most before it waits for an &lt;a/&gt;.</summary>
    public int Window { get; init; } = 32;

    /// <summary>A client asks for an acknowledgement after this many messages (and whenever its outbox runs dry).</summary>
    public int RequestEvery { get; init; } = 4;

    /// <summary>How far before the last message seen the archive catch-up starts (see <see cref="FaultClient"/>).</summary>
    public TimeSpan CatchUpMargin { get; init; } = TimeSpan.FromSeconds(10);

    public int CatchUpPageSize { get; init; } = 250;

    /// <summary>Where the clients log what they do (--trace), or null.</summary>
    public TextWriter? Trace { get; init; }

    public int MinReconnectDelayMs { get; init; } = 20;

    public int MaxReconnectDelayMs { get; init; } = 250;
}
