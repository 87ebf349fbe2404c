using Microsoft.AspNetCore.Connections;
using XmppServer.Protocol;

namespace XmppServer.Core.Connections;

/// <summary>The listeners' entry point for client connections: one <see cref="C2sConnection"/> per accepted socket.</summary>
internal sealed class C2sConnectionHandler(C2sServices services)
{
    public async Task OnConnectedAsync(ConnectionContext context, bool directTls)
    {
        using var connection = new C2sConnection(context, services, directTls);
        if (!services.Connections.TryBeginRun(connection))
        {
            // The listeners accept until their own stop, after the streams were told the server is going down; a client
            // arriving in between hears the same (RFC 6120 §4.9.3.22) rather than getting a session that will be cut.
            await connection.CloseAsync(StreamErrorCondition.SystemShutdown, null);
            return;
        }

        try
        {
            await connection.RunAsync();
        }
        finally
        {
            services.Connections.EndRun(connection);
        }
    }
}
