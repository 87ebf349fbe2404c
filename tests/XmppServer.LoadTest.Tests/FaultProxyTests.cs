using System.Net;
using System.Net.Sockets;
using XmppServer.LoadTest.Faults;

namespace XmppServer.LoadTest.Tests;

/// <summary>The fault proxy over real loopback sockets: cuts land on the exact byte, in the direction asked for.</summary>
public sealed class FaultProxyTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly TcpListener _server = new(IPAddress.Loopback, 0);

    public FaultProxyTests() => _server.Start();

    private IPEndPoint ServerEndPoint => (IPEndPoint)_server.LocalEndpoint;

    [Fact]
    public async Task Bytes_GoThroughBothWays_Untouched()
    {
        await using var proxy = Started(ServerEndPoint);
        var (client, upstream, _) = await ConnectAsync(proxy);
        using (client)
        using (upstream)
        {
            await client.SendAsync("hello"u8.ToArray());
            Assert.Equal("hello"u8.ToArray(), await ReadExactlyAsync(upstream, 5));
            await upstream.SendAsync("world"u8.ToArray());
            Assert.Equal("world"u8.ToArray(), await ReadExactlyAsync(client, 5));
            Assert.Equal(0, proxy.TotalCuts);
        }
    }

    [Fact]
    public async Task CutUpAt_ForwardsExactlyTheBytesBeforeIt_ThenTheServerSeesTheEnd_AndTheClientAReset()
    {
        await using var proxy = Started(ServerEndPoint);
        var (client, upstream, link) = await ConnectAsync(proxy);
        using (client)
        using (upstream)
        {
            link.CutUpAt(10, CutKind.MidStanzaUp, CutMode.EndToServer);
            await client.SendAsync(Enumerable.Range(0, 30).Select(i => (byte)i).ToArray());

            Assert.Equal(Enumerable.Range(0, 10).Select(i => (byte)i).ToArray(), await ReadToEndAsync(upstream));
            await AssertEndsAsync(client);
            Assert.Equal(1, proxy.Cuts(CutKind.MidStanzaUp));
        }
    }

    [Fact]
    public async Task CutDownAt_DeliversExactlyTheBytesBeforeIt_ThenResetsBothSides()
    {
        await using var proxy = Started(ServerEndPoint);
        var (client, upstream, link) = await ConnectAsync(proxy);
        using (client)
        using (upstream)
        {
            link.CutDownAt(25, CutKind.MidStanzaDown, CutMode.Reset);
            await upstream.SendAsync(new byte[100]);

            Assert.Equal(25, (await ReadToEndAsync(client)).Length);
            await AssertEndsAsync(upstream);
            Assert.Equal(1, proxy.Cuts(CutKind.MidStanzaDown));
        }
    }

    [Fact]
    public async Task BlackholedAnswer_TheRequestArrives_ItsAnswerNever()
    {
        await using var proxy = Started(ServerEndPoint);
        var (client, upstream, link) = await ConnectAsync(proxy);
        using (client)
        using (upstream)
        {
            link.BlackholeDown();
            await client.SendAsync("<r/>"u8.ToArray());
            link.CutUpAt(4, CutKind.BeforeServerAck, CutMode.EndToServer);

            Assert.Equal("<r/>"u8.ToArray(), await ReadExactlyAsync(upstream, 4));
            await upstream.SendAsync("<a h='1'/>"u8.ToArray());
            Assert.Empty(await ReadToEndAsync(client));
        }
    }

    [Fact]
    public async Task ServerDown_ConnectionIsResetAtOnce_AndCountedAsRefused()
    {
        int closedPort;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            closedPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        await using var proxy = Started(new IPEndPoint(IPAddress.Loopback, closedPort));
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(proxy.EndPoint);

        await AssertEndsAsync(client);
        Assert.Equal(1, proxy.Refused);
    }

    [Fact]
    public async Task NewUpstream_NewConnectionsGoThere()
    {
        using var other = new TcpListener(IPAddress.Loopback, 0);
        other.Start();
        await using var proxy = Started(ServerEndPoint);
        proxy.Upstream = (IPEndPoint)other.LocalEndpoint;

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(proxy.EndPoint);
        using var accepted = await other.AcceptSocketAsync().WaitAsync(Timeout);
        await client.SendAsync("x"u8.ToArray());

        Assert.Equal("x"u8.ToArray(), await ReadExactlyAsync(accepted, 1));
    }

    public void Dispose() => _server.Dispose();

    private static FaultProxy Started(IPEndPoint upstream)
    {
        var proxy = new FaultProxy(upstream);
        proxy.Start();
        return proxy;
    }

    private async Task<(Socket Client, Socket Upstream, ProxyLink Link)> ConnectAsync(FaultProxy proxy)
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(proxy.EndPoint);
        var upstream = await _server.AcceptSocketAsync().WaitAsync(Timeout);
        var port = ((IPEndPoint)client.LocalEndPoint!).Port;
        var deadline = DateTime.UtcNow + Timeout;
        ProxyLink? link;
        while ((link = proxy.Find(port)) is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the proxy never registered the link");
            await Task.Delay(10);
        }

        return (client, upstream, link);
    }

    private static async Task<byte[]> ReadExactlyAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        var read = 0;
        using var timeout = new CancellationTokenSource(Timeout);
        while (read < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, timeout.Token);
            Assert.True(n > 0, $"the connection ended after {read} of {count} bytes");
            read += n;
        }

        return buffer;
    }

    /// <summary>Everything until the end of the stream, or until a reset.</summary>
    private static async Task<byte[]> ReadToEndAsync(Socket socket)
    {
        var received = new List<byte>();
        var buffer = new byte[256];
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                if (n == 0)
                {
                    break;
                }

                received.AddRange(buffer.AsSpan(0, n).ToArray());
            }
        }
        catch (SocketException)
        {
        }

        return [.. received];
    }

    /// <summary>The connection ends (end of stream or reset) within the timeout; a read that times out throws.</summary>
    private static async Task AssertEndsAsync(Socket socket) => await ReadToEndAsync(socket);
}
