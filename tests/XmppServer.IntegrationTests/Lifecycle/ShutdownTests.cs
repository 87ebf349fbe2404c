using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.Lifecycle;

/// <summary>A graceful stop tells every connected client why its stream ends (RFC 6120 §4.9.3.22).</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task ServerStop_WithBoundClient_SendsSystemShutdown()
    {
        await using var server = await TestServer.StartAsync();
        var user = await server.CreateUserAsync("alice");
        await using var client = await XmppTestClient.LoginAvailableAsync(server, user, resource: "a");

        // The stop waits for the streams to close, so the client reads while it runs.
        var stop = server.StopAsync();
        await client.ExpectStreamErrorAsync(StreamErrorCondition.SystemShutdown);
        await client.DisposeAsync();
        await stop.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task ServerStop_WithClientStillNegotiating_SendsSystemShutdown()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await XmppTestClient.ConnectAsync(server);
        await client.OpenStreamAsync();

        var stop = server.StopAsync();
        await client.ExpectStreamErrorAsync(StreamErrorCondition.SystemShutdown);
        await client.DisposeAsync();
        await stop.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
