using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.Security;

/// <summary>
/// The TLS policy as a client on the wire sees it: TLS 1.0 and 1.1 refused, only forward-secret AEAD suites, STARTTLS
/// required before any authentication. The refusals are checked with hand-built ClientHello messages, so that the
/// verdict is the server's and not the local TLS library's (which may not offer old versions at all); each has a
/// control hello, identical but for what is tested, that the server accepts.
/// </summary>
public sealed class TlsPolicyTests : IAsyncLifetime
{
    private const ushort Tls10 = 0x0301;
    private const ushort Tls11 = 0x0302;
    private const ushort Tls12 = 0x0303;

    // TLS record and alert codes (RFC 5246 §6.2.1, §7.2).
    private const byte RecordHandshake = 22;
    private const byte RecordAlert = 21;
    private const byte HandshakeServerHello = 2;
    private const byte AlertHandshakeFailure = 40;
    private const byte AlertProtocolVersion = 70;

    // ECDHE-ECDSA suites the generated P-256 certificate can serve (RFC 8422 §6, RFC 5289 §3).
    private const ushort EcdheEcdsaAes128GcmSha256 = 0xC02B;
    private const ushort EcdheEcdsaAes128CbcSha = 0xC009;
    private const ushort EcdheEcdsaAes128CbcSha256 = 0xC023;
    private const ushort EcdheEcdsaAes256CbcSha = 0xC00A;

    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData(Tls10)]
    [InlineData(Tls11)]
    public async Task ClientHello_OfOldTlsVersion_IsRefusedWithProtocolVersionAlert(ushort version)
    {
        ushort[] suites = [EcdheEcdsaAes128CbcSha, EcdheEcdsaAes256CbcSha, EcdheEcdsaAes128GcmSha256];

        // Control: the same hello as TLS 1.2 gets a ServerHello, so the refusal below is about the version alone.
        Assert.Equal((RecordHandshake, HandshakeServerHello), await FirstAnswerAsync(ClientHello(Tls12, suites)));

        // RFC 8996 §2-3: TLS 1.0 and 1.1 MUST NOT be negotiated; RFC 5246 §7.2.2: protocol_version alert.
        Assert.Equal((RecordAlert, AlertProtocolVersion), await FirstAnswerAsync(ClientHello(version, suites)));
    }

    [Fact]
    public async Task ClientHello_OfferingOnlyCbcSuites_IsRefusedWithHandshakeFailure()
    {
        // Control: an AEAD suite is accepted.
        Assert.Equal((RecordHandshake, HandshakeServerHello), await FirstAnswerAsync(ClientHello(Tls12, [EcdheEcdsaAes128GcmSha256])));

        // RFC 9325 §4.2: only AEAD suites with forward secrecy; CBC suites find no match.
        Assert.Equal(
            (RecordAlert, AlertHandshakeFailure),
            await FirstAnswerAsync(ClientHello(Tls12, [EcdheEcdsaAes128CbcSha, EcdheEcdsaAes128CbcSha256, EcdheEcdsaAes256CbcSha])));
    }

    [Theory]
    [InlineData(SslProtocols.Tls12, false)]
    [InlineData(SslProtocols.Tls12, true)]
    [InlineData(SslProtocols.Tls13, false)]
    [InlineData(SslProtocols.Tls13, true)]
    public async Task RealClient_NegotiatesModernVersionAndAeadSuite(SslProtocols protocol, bool directTls)
    {
        await using var client = await XmppTestClient.ConnectAsync(_server, directTls, protocol);
        if (!directTls)
        {
            await client.OpenStreamAsync();
            await client.StartTlsAsync();
        }

        Assert.Equal(protocol, client.TlsProtocol);
        Assert.Contains(client.TlsCipherSuite!.Value, Core.Tls.TlsPolicy.CipherSuites);
    }

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task CipherPolicySystem_RealClientLogsInOverTheSystemsSuites(SslProtocols protocol)
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Xmpp:Tls:CipherPolicy"] = "System" });
        var alice = await server.CreateUserAsync("alice");

        await using var client = await XmppTestClient.ConnectAsync(server, false, protocol);
        await client.OpenStreamAsync();
        await client.StartTlsAsync();
        await client.AuthenticatePlainAsync(alice.Local!, "secret");
        await client.BindAsync("a");

        Assert.Equal(protocol, client.TlsProtocol);
    }

    [Fact]
    public void CipherPolicy_StrictRestrictsTheSuites_SystemLeavesThemToThePlatform()
    {
        var certificate = _server.Services.GetRequiredService<Core.Tls.CertificateProvider>().Certificate;
        var context = System.Net.Security.SslStreamCertificateContext.Create(certificate, null);

        Assert.NotNull(Core.Tls.TlsPolicy.ServerOptions(context, Core.Tls.TlsCipherPolicy.Strict).CipherSuitesPolicy);
        Assert.Null(Core.Tls.TlsPolicy.ServerOptions(context, Core.Tls.TlsCipherPolicy.System).CipherSuitesPolicy);
    }

    [Fact]
    public async Task ServerProcess_StrictPolicy_IsOpenSslsDefault_AndStillRefusesCbc()
    {
        // The server as an operator runs it sets the Strict suites as OpenSSL's defaults before OpenSSL loads, so its
        // connections share one OpenSSL context; the handshake must refuse exactly what it refused before.
        var directory = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "xmpp-tls-" + Guid.NewGuid().ToString("N"))).FullName;
        try
        {
            await using (var server = await ServerProcess.StartAsync(directory))
            {
                Assert.Equal((RecordHandshake, HandshakeServerHello), await FirstAnswerAsync(server.TlsPort, ClientHello(Tls12, [EcdheEcdsaAes128GcmSha256])));
                Assert.Equal((RecordAlert, AlertHandshakeFailure), await FirstAnswerAsync(server.TlsPort, ClientHello(Tls12, [EcdheEcdsaAes128CbcSha, EcdheEcdsaAes128CbcSha256])));
                Assert.Equal((RecordAlert, AlertProtocolVersion), await FirstAnswerAsync(server.TlsPort, ClientHello(Tls11, [EcdheEcdsaAes128CbcSha])));
            }

            var configuration = await File.ReadAllTextAsync(Path.Combine(directory, Core.Tls.OpenSslStrictDefaults.FileName));
            Assert.Contains("CipherString = ECDHE-ECDSA-AES128-GCM-SHA256:", configuration, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task ServerProcess_ConfigurationCannotBeWritten_StartsAnyway_AndCbcStillRefused()
    {
        // A directory where the file would go: writing it fails, and the policy goes with each connection instead.
        var directory = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "xmpp-tls-" + Guid.NewGuid().ToString("N"))).FullName;
        Directory.CreateDirectory(Path.Combine(directory, Core.Tls.OpenSslStrictDefaults.FileName));
        try
        {
            await using var server = await ServerProcess.StartAsync(directory);

            Assert.Equal((RecordAlert, AlertHandshakeFailure), await FirstAnswerAsync(server.TlsPort, ClientHello(Tls12, [EcdheEcdsaAes128CbcSha, EcdheEcdsaAes128CbcSha256])));
            Assert.Equal((RecordHandshake, HandshakeServerHello), await FirstAnswerAsync(server.TlsPort, ClientHello(Tls12, [EcdheEcdsaAes128GcmSha256])));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task ServerProcess_OperatorsOpenSslConf_IsLeftAlone_AndCbcStillRefused()
    {
        var directory = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "xmpp-tls-" + Guid.NewGuid().ToString("N"))).FullName;
        var permissive = Path.Combine(Path.GetTempPath(), "xmpp-openssl-" + Guid.NewGuid().ToString("N") + ".cnf");
        await File.WriteAllTextAsync(permissive, "openssl_conf = init\n[init]\nssl_conf = ssl\n[ssl]\nsystem_default = tls\n[tls]\nCipherString = DEFAULT\n");
        try
        {
            await using (var server = await ServerProcess.StartAsync(directory, environment: new Dictionary<string, string?> { ["OPENSSL_CONF"] = permissive }))
            {
                // The policy then goes with each connection instead: CBC is refused all the same.
                Assert.Equal((RecordAlert, AlertHandshakeFailure), await FirstAnswerAsync(server.TlsPort, ClientHello(Tls12, [EcdheEcdsaAes128CbcSha, EcdheEcdsaAes128CbcSha256])));
                Assert.Equal((RecordHandshake, HandshakeServerHello), await FirstAnswerAsync(server.TlsPort, ClientHello(Tls12, [EcdheEcdsaAes128GcmSha256])));
            }

            Assert.False(File.Exists(Path.Combine(directory, Core.Tls.OpenSslStrictDefaults.FileName)));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
            File.Delete(permissive);
        }
    }

    [Theory]
    [InlineData("SCRAM-SHA-256")]
    [InlineData("SCRAM-SHA-1")]
    [InlineData("PLAIN")]
    public async Task AuthBeforeStartTls_ByDefault_EndsWithPolicyViolationAndAuthenticatesNobody(string mechanism)
    {
        await _server.CreateUserAsync("alice", "wonderland");
        await using var client = await XmppTestClient.ConnectAsync(_server);
        var features = await client.OpenStreamAsync();

        // RFC 6120 §5.3.1: by default STARTTLS is required and is the only feature before it.
        Assert.NotNull(features.Element("starttls", Namespaces.Tls)?.Element("required", Namespaces.Tls));
        Assert.Null(features.Element("mechanisms", Namespaces.Sasl));

        // A correct credential sent in the clear still gets no <success/>.
        var initial = mechanism == "PLAIN" ? "\0alice\0wonderland" : "n,,n=alice,r=abcdefghijklmnop";
        await client.SendAsync($"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='{mechanism}'>{Convert.ToBase64String(Encoding.UTF8.GetBytes(initial))}</auth>");

        await client.ExpectStreamErrorAsync(StreamErrorCondition.PolicyViolation);
    }

    /// <summary>Sends one ClientHello to the direct TLS port and returns the first record's type and first byte.</summary>
    private Task<(byte RecordType, byte First)> FirstAnswerAsync(byte[] hello) => FirstAnswerAsync(_server.TlsPort, hello);

    private static async Task<(byte RecordType, byte First)> FirstAnswerAsync(int port, byte[] hello)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(hello);
        using var timeout = new CancellationTokenSource(XmppTestClient.DefaultTimeout);
        var header = new byte[5];
        await stream.ReadExactlyAsync(header, timeout.Token);
        var body = new byte[2];
        await stream.ReadExactlyAsync(body, timeout.Token);

        // An alert is level, description; a handshake record starts with the message type.
        return header[0] == RecordAlert ? (header[0], body[1]) : (header[0], body[0]);
    }

    /// <summary>
    /// A minimal ClientHello (RFC 5246 §7.4.1.2) with SNI, the P-256 and X25519 groups, uncompressed points and
    /// ECDSA/RSA signature algorithms: enough for any version up to 1.2 to be chosen on its merits.
    /// </summary>
    private static byte[] ClientHello(ushort version, ushort[] suites)
    {
        var body = new List<byte>();
        AddUInt16(body, version);
        body.AddRange(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        body.Add(0); // no session id
        AddUInt16(body, (ushort)(suites.Length * 2));
        foreach (var suite in suites)
        {
            AddUInt16(body, suite);
        }

        body.Add(1); // one compression method: null
        body.Add(0);

        var extensions = new List<byte>();
        var host = Encoding.ASCII.GetBytes(TestServer.Domain);
        var sni = new List<byte>();
        AddUInt16(sni, (ushort)(host.Length + 3));
        sni.Add(0); // host_name
        AddUInt16(sni, (ushort)host.Length);
        sni.AddRange(host);
        AddExtension(extensions, 0x0000, [.. sni]);
        AddExtension(extensions, 0x000A, [0, 4, 0, 0x17, 0, 0x1D]); // supported_groups: secp256r1, x25519
        AddExtension(extensions, 0x000B, [1, 0]); // ec_point_formats: uncompressed
        AddExtension(extensions, 0x000D, [0, 6, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01]); // signature_algorithms
        AddUInt16(body, (ushort)extensions.Count);
        body.AddRange(extensions);

        var handshake = new List<byte> { 1, (byte)(body.Count >> 16), (byte)(body.Count >> 8), (byte)body.Count };
        handshake.AddRange(body);
        var record = new List<byte> { RecordHandshake };
        AddUInt16(record, Tls10); // the record layer version of a first hello (RFC 8446 §5.1)
        AddUInt16(record, (ushort)handshake.Count);
        record.AddRange(handshake);
        return [.. record];
    }

    private static void AddExtension(List<byte> extensions, ushort type, byte[] data)
    {
        AddUInt16(extensions, type);
        AddUInt16(extensions, (ushort)data.Length);
        extensions.AddRange(data);
    }

    private static void AddUInt16(List<byte> bytes, ushort value)
    {
        Span<byte> buffer = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(buffer, value);
        bytes.AddRange(buffer.ToArray());
    }
}
