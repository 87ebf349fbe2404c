using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using XmppServer.IntegrationTests.Infrastructure;

namespace XmppServer.IntegrationTests.Lifecycle;

/// <summary>The client listeners, on the socket transport without a web server around it.</summary>
public sealed class ListenerTests
{
    [Fact]
    public async Task Start_PortAlreadyTaken_FailsWithAnIOExceptionNamingTheAddress()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var dataDirectory = Path.Combine(Path.GetTempPath(), "xmpp-it-" + Guid.NewGuid().ToString("N"));
        var configuration = TestServer.Configuration(dataDirectory, port, tlsPort: 0, new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "None" });
        var host = Program.BuildServer(configuration);
        try
        {
            var error = await Assert.ThrowsAsync<IOException>(() => host.StartAsync());

            Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
            Assert.Contains("already in use", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await ((IAsyncDisposable)host).DisposeAsync();
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task Stop_ClosesTheListeningSockets()
    {
        await using var server = await TestServer.StartAsync();
        using (var before = new TcpClient())
        {
            await before.ConnectAsync(IPAddress.Loopback, server.Port);
        }

        await server.StopAsync();

        using var after = new TcpClient();
        var refused = await Assert.ThrowsAsync<SocketException>(() => after.ConnectAsync(IPAddress.Loopback, server.Port));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }
}
