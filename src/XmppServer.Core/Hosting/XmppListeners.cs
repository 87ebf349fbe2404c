using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using XmppServer.Core.Connections;
using XmppServer.Core.Tls;

namespace XmppServer.Core.Hosting;

/// <summary>Binds the XMPP listeners on Kestrel; a port of 0 leaves that listener off.</summary>
public static class XmppListeners
{
    public static void Configure(KestrelServerOptions kestrel)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        var services = kestrel.ApplicationServices;
        var listen = services.GetRequiredService<IOptions<Connections.ListenOptions>>().Value;
        var handler = services.GetRequiredService<C2sConnectionHandler>();

        // Fail at start, not at the first client, when the certificate cannot be loaded or made.
        services.GetRequiredService<CertificateProvider>().EnsureLoaded();

        Listen(kestrel, listen.Address, listen.C2sPort, builder => builder.Run(context => handler.OnConnectedAsync(context, directTls: false)));

        // XEP-0368: direct TLS on its own port.
        Listen(kestrel, listen.Address, listen.C2sTlsPort, builder => builder.Run(context => handler.OnConnectedAsync(context, directTls: true)));
    }

    private static void Listen(KestrelServerOptions kestrel, string address, int port, Action<IConnectionBuilder> configure)
    {
        if (port == 0)
        {
            return;
        }

        if (string.IsNullOrEmpty(address) || address == "*")
        {
            kestrel.ListenAnyIP(port, options => configure(options));
        }
        else
        {
            kestrel.Listen(IPAddress.Parse(address), port, options => configure(options));
        }
    }
}
