using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using XmppServer.Core.Tls;

namespace XmppServer.Core.Tests.Tls;

public sealed class OpenSslRecordBuffersTests
{
    [Fact]
    public async Task TryEnable_OnAnAuthenticatedServerStream_SetsTheModeAndTheStreamStillCarriesDataBothWays()
    {
        var (server, client) = await ConnectAsync();
        await using (server)
        await using (client)
        {
            Assert.True(OpenSslRecordBuffers.TryEnable(server));

            // Records larger than one buffer and many small ones, in both directions, after the buffers may go.
            var big = RandomNumberGenerator.GetBytes(100_000);
            await client.WriteAsync(big);
            Assert.Equal(big, await ReadExactlyAsync(server, big.Length));
            for (var i = 0; i < 50; i++)
            {
                await server.WriteAsync(new[] { (byte)i });
                Assert.Equal([(byte)i], await ReadExactlyAsync(client, 1));
            }
        }
    }

    [Fact]
    public async Task TryEnable_OnAStreamWithoutAHandshake_ReportsFalse()
    {
        using var pair = new MemoryStream();
        await using var stream = new SslStream(pair);

        Assert.False(OpenSslRecordBuffers.TryEnable(stream));
    }

    private static async Task<(SslStream Server, SslStream Client)> ConnectAsync()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1));
        var certificate = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accept = listener.AcceptTcpClientAsync();
        var clientSocket = new TcpClient();
        await clientSocket.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var serverSocket = await accept;

        var server = new SslStream(serverSocket.GetStream(), leaveInnerStreamOpen: false);
        // The client trusts exactly the certificate made above.
        var client = new SslStream(clientSocket.GetStream(), false, (_, presented, _, _) => presented?.GetCertHashString() == certificate.GetCertHashString());
        await Task.WhenAll(
            server.AuthenticateAsServerAsync(certificate),
            client.AuthenticateAsClientAsync("localhost"));
        return (server, client);
    }

    private static async Task<byte[]> ReadExactlyAsync(Stream stream, int count)
    {
        var buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        return buffer;
    }
}
