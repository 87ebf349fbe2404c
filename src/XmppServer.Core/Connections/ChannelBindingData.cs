using System.Net.Security;
using System.Runtime.InteropServices;
using System.Security.Authentication.ExtendedProtection;
using System.Text;

namespace XmppServer.Core.Connections;

/// <summary>Reads channel-binding data (RFC 5929) out of the platform's TLS stream.</summary>
internal static class ChannelBindingData
{
    // The platform hands bindings over in the SEC_CHANNEL_BINDINGS layout: eight 32-bit fields, of which the last two
    // are the application data's length and offset; the data starts with "<type>:".
    private const int ApplicationDataLengthOffset = 24;
    private const int ApplicationDataOffsetOffset = 28;
    private static readonly byte[] TlsUniquePrefix = Encoding.ASCII.GetBytes("tls-unique:");

    /// <summary>RFC 5929 §3 tls-unique: the first Finished message of the handshake, or null when unavailable.</summary>
    public static byte[]? ReadTlsUnique(SslStream ssl)
    {
        ChannelBinding? binding;
        try
        {
            binding = ssl.TransportContext.GetChannelBinding(ChannelBindingKind.Unique);
        }
        catch (NotSupportedException)
        {
            return null;
        }

        if (binding is null || binding.IsInvalid)
        {
            return null;
        }

        using (binding)
        {
            if (binding.Size < ApplicationDataOffsetOffset + 4)
            {
                return null;
            }

            var handle = binding.DangerousGetHandle();
            var length = Marshal.ReadInt32(handle, ApplicationDataLengthOffset);
            var offset = Marshal.ReadInt32(handle, ApplicationDataOffsetOffset);
            if (length <= 0 || offset < 0 || (long)offset + length > binding.Size)
            {
                return null;
            }

            var data = new byte[length];
            Marshal.Copy(handle + offset, data, 0, length);
            return data.AsSpan().StartsWith(TlsUniquePrefix) ? data[TlsUniquePrefix.Length..] : data;
        }
    }
}
