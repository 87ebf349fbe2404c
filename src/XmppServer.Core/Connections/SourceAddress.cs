using System.Net;
using System.Net.Sockets;

namespace XmppServer.Core.Connections;

/// <summary>The source a client counts as, for the guessing throttle and the connection limits.</summary>
internal static class SourceAddress
{
    /// <summary>
    /// An IPv4 address (also when mapped into IPv6), or an IPv6 /64: the block one subscriber usually holds (RFC 6177
    /// recommends at least a /64 per site), so one subscriber cannot pose as many by changing its low bits.
    /// </summary>
    public static IPAddress Key(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address;
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes);
    }
}
