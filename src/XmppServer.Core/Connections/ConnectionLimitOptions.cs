using System.Net;

namespace XmppServer.Core.Connections;

/// <summary>
/// What one client connection may cost the server (Xmpp:Limits, next to the parser's limits): how fast it is read,
/// and how many connections a source and the unauthenticated may hold. A rate of 0 turns that throttle off.
/// </summary>
public sealed class ConnectionLimitOptions
{
    public const string SectionName = "Xmpp:Limits";

    /// <summary>
    /// Bytes per second read from one connection once its burst is spent; reading pauses until the allowance refills
    /// (nothing is dropped, TCP pushes back on the sender). 64 KiB/s is six times Prosody's suggested c2s rate
    /// (10 kB/s) and far above what chat needs; in-band file transfer (XEP-0047), the heaviest legitimate sender, still
    /// moves half a megabit per second.
    /// </summary>
    public int BytesPerSecond { get; set; } = 64 * 1024;

    /// <summary>
    /// Bytes a connection may send at once before the rate applies: two stanzas at the 256 KiB stanza limit, so an
    /// avatar upload or a login's burst of requests is never slowed.
    /// </summary>
    public int ByteBurst { get; set; } = 512 * 1024;

    /// <summary>
    /// Top-level elements per second handled for one session (stanzas and XEP-0198 acknowledgements) once its burst
    /// is spent; further ones wait unread. People type a few messages a minute; a client catching up answers receipts
    /// and acknowledgements in bursts, which the burst covers.
    /// </summary>
    public int StanzasPerSecond { get; set; } = 50;

    /// <summary>Elements a session may send at once: a login's roster, disco, archive and a few hundred room joins.</summary>
    public int StanzaBurst { get; set; } = 500;

    /// <summary>
    /// Connections one source may hold: an IPv4 address, or an IPv6 /64 (the block one subscriber usually holds).
    /// Above it a new connection gets policy-violation. Generous for an office behind one NAT.
    /// </summary>
    public int MaxConnectionsPerAddress { get; set; } = 256;

    /// <summary>
    /// Connections not yet authenticated, from all sources together; above it a new connection gets
    /// resource-constraint. Negotiation takes a fraction of a second, so this is hundreds of logins in flight.
    /// </summary>
    public int MaxUnauthenticatedConnections { get; set; } = 1024;

    /// <summary>
    /// Networks (CIDR, comma-separated) exempt from <see cref="MaxConnectionsPerAddress"/>. Loopback by default: a
    /// TLS multiplexer or tunnel on the same host (sslh, stunnel) makes every client look like 127.0.0.1. Empty: none.
    /// </summary>
    public string ExemptAddresses { get; set; } = "127.0.0.0/8, ::1/128";

    /// <summary>The networks of <see cref="ExemptAddresses"/>; false when one of them is not CIDR notation.</summary>
    internal bool TryParseExemptAddresses(out IPNetwork[] networks)
    {
        var parts = ExemptAddresses.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        networks = new IPNetwork[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!IPNetwork.TryParse(parts[i], out networks[i]))
            {
                return false;
            }
        }

        return true;
    }
}
