using Microsoft.AspNetCore.Connections;

namespace XmppServer.Core.Connections;

/// <summary>Kestrel's entry point for client connections: one <see cref="C2sConnection"/> per accepted socket.</summary>
internal sealed class C2sConnectionHandler(C2sServices services)
{
    public async Task OnConnectedAsync(ConnectionContext context, bool directTls)
    {
        using var connection = new C2sConnection(context, services, directTls);
        await connection.RunAsync();
    }
}
