using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.Infrastructure;

/// <summary>
/// A raw-XML client over a real socket: it sends exactly the bytes a test writes and parses what the server answers
/// with the same stream parser the server uses. Every wait has a timeout; nothing sleeps.
/// </summary>
public sealed class XmppTestClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly TcpClient _tcp;
    private readonly X509Certificate2 _trustedCertificate;
    private readonly Queue<XmppStreamEvent> _events = new();
    private Stream _stream;
    private PipeReader _reader;
    private XmppStreamParser _parser = NewParser();
    private bool _disposed;
    private System.Security.Authentication.SslProtocols _tlsProtocols;

    private XmppTestClient(TcpClient tcp, Stream stream, X509Certificate2 trusted)
    {
        _tcp = tcp;
        _stream = stream;
        _trustedCertificate = trusted;
        _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
    }

    public Jid? Jid { get; private set; }

    public bool IsSecure => _stream is SslStream;

    /// <summary>RFC 5929 tls-unique of this client's TLS connection, as the client computes it.</summary>
    public byte[]? TlsUnique => _stream is SslStream ssl ? Core.Connections.ChannelBindingData.ReadTlsUnique(ssl) : null;

    /// <summary>SHA-1 hash (hex) of the certificate the server presented, once TLS is up.</summary>
    public string? ServerCertificateHash => (_stream as SslStream)?.RemoteCertificate?.GetCertHashString();

    /// <summary>The TLS version negotiated, once TLS is up.</summary>
    public System.Security.Authentication.SslProtocols? TlsProtocol => (_stream as SslStream)?.SslProtocol;

    /// <summary>The cipher suite negotiated, once TLS is up.</summary>
    public TlsCipherSuite? TlsCipherSuite => (_stream as SslStream)?.NegotiatedCipherSuite;

    /// <param name="server">The server to connect to.</param>
    /// <param name="directTls">Connect to the direct TLS port (XEP-0368) and start TLS at once.</param>
    /// <param name="tlsProtocols">TLS versions the client offers; None leaves the choice to the system.</param>
    /// <param name="localAddress">The loopback address to connect from (127.0.0.2 ...), to appear as another source.</param>
    public static async Task<XmppTestClient> ConnectAsync(
        IXmppServerEndpoint server,
        bool directTls = false,
        System.Security.Authentication.SslProtocols tlsProtocols = System.Security.Authentication.SslProtocols.None,
        System.Net.IPAddress? localAddress = null)
    {
        var tcp = localAddress is null ? new TcpClient() : new TcpClient(new System.Net.IPEndPoint(localAddress, 0));
        await tcp.ConnectAsync("127.0.0.1", directTls ? server.TlsPort : server.Port);
        var trusted = X509CertificateLoader.LoadCertificateFromFile(server.CertificatePath);
        var client = new XmppTestClient(tcp, tcp.GetStream(), trusted) { _tlsProtocols = tlsProtocols };
        if (directTls)
        {
            await client.WrapTlsAsync();
        }

        return client;
    }

    /// <summary>Connects, negotiates TLS and authenticates with PLAIN, then binds a resource.</summary>
    public static async Task<XmppTestClient> LoginAsync(IXmppServerEndpoint server, Jid user, string password = "secret", string? resource = null, System.Net.IPAddress? localAddress = null)
    {
        var client = await ConnectAsync(server, localAddress: localAddress);
        await client.OpenStreamAsync();
        await client.StartTlsAsync();
        await client.AuthenticatePlainAsync(user.Local!, password);
        await client.BindAsync(resource);
        return client;
    }

    /// <summary>
    /// <see cref="LoginAsync"/>, then initial presence (<see cref="SendInitialPresenceAsync"/>): an available resource,
    /// as most scenarios start with.
    /// </summary>
    public static async Task<XmppTestClient> LoginAvailableAsync(IXmppServerEndpoint server, Jid user, string password = "secret", string? resource = null)
    {
        var client = await LoginAsync(server, user, password, resource);
        await client.SendInitialPresenceAsync();
        return client;
    }

    public Task SendAsync(string xml) => SendBytesAsync(Encoding.UTF8.GetBytes(xml));

    public async Task SendBytesAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>Sends the initial stream header and returns the features that follow the server's header.</summary>
    public async Task<XmppElement> OpenStreamAsync(string to = TestServer.Domain)
    {
        await SendAsync($"<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='{to}' version='1.0' xml:lang='en'>");
        var header = await NextEventAsync();
        Assert.Equal(XmppStreamEventKind.StreamStart, header.Kind);
        var features = await NextElementAsync();
        Assert.True(features.Is("features", Namespaces.Streams), $"expected stream features, got {features}");
        return features;
    }

    /// <summary>STARTTLS, the handshake, and the stream restart; returns the features offered over TLS.</summary>
    public async Task<XmppElement> StartTlsAsync()
    {
        await SendAsync("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        var proceed = await NextElementAsync();
        Assert.True(proceed.Is("proceed", Namespaces.Tls), $"expected <proceed/>, got {proceed}");
        await WrapTlsAsync();
        return await OpenStreamAsync();
    }

    /// <summary>The stream restart after SASL success; returns the features (bind, session, sm, ...).</summary>
    public Task<XmppElement> OpenStreamAfterSaslAsync()
    {
        _parser = NewParser();
        return OpenStreamAsync();
    }

    public async Task AuthenticatePlainAsync(string username, string password)
    {
        var response = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{username}\0{password}"));
        await SendAsync($"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{response}</auth>");
        var success = await NextElementAsync();
        Assert.True(success.Is("success", Namespaces.Sasl), $"expected <success/>, got {success}");
        _parser = NewParser();
        await OpenStreamAsync();
    }

    public async Task<Jid> BindAsync(string? resource = null)
    {
        var resourceXml = resource is null ? string.Empty : $"<resource>{resource}</resource>";
        await SendAsync($"<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>{resourceXml}</bind></iq>");
        var result = await NextElementAsync();
        Assert.Equal("result", result.Type);
        var jid = result.Element("bind", Namespaces.Bind)?.ElementText("jid", Namespaces.Bind);
        Assert.NotNull(jid);
        Jid = Protocol.Jid.Parse(jid);
        return Jid;
    }

    /// <summary>Sends initial presence and waits for the server's reflection of it.</summary>
    public async Task SendInitialPresenceAsync(int priority = 0)
    {
        await SendAsync(priority == 0 ? "<presence/>" : $"<presence><priority>{priority}</priority></presence>");
        await ExpectAsync(e => e.Name == "presence" && e.From == Jid!.ToString() && e.Type is null, "own presence reflected");
    }

    /// <summary>
    /// A round trip: an IQ nobody handles, answered with an error. The server processes a client's stanzas in order,
    /// so when the answer arrives everything sent before it has been handled.
    /// </summary>
    public async Task SyncAsync()
    {
        var id = "sync-" + Guid.NewGuid().ToString("N");
        await SendAsync($"<iq type='get' id='{id}'><sync xmlns='urn:test:sync'/></iq>");
        await ExpectAsync(e => e.Name == "iq" && e.Id == id, "the sync answer");
    }

    /// <summary>
    /// A round trip like <see cref="SyncAsync"/> that returns every element that arrived before its answer: all the
    /// server sent in response to what this client sent earlier, and nothing it will send later for those stanzas.
    /// </summary>
    public async Task<IReadOnlyList<XmppElement>> CollectUntilSyncAsync()
    {
        var id = "sync-" + Guid.NewGuid().ToString("N");
        await SendAsync($"<iq type='get' id='{id}'><sync xmlns='urn:test:sync'/></iq>");
        var received = new List<XmppElement>();
        while (true)
        {
            var element = await NextElementAsync();
            if (element.Name == "iq" && element.Id == id)
            {
                return received;
            }

            received.Add(element);
        }
    }

    /// <summary>Drops the TCP connection with a reset, as a client that crashes or loses its network does.</summary>
    public async Task AbortAsync()
    {
        _tcp.Client.LingerState = new LingerOption(enable: true, seconds: 0);
        _tcp.Client.Close();
        await DisposeAsync();
    }

    public async Task<XmppStreamEvent> NextEventAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (_events.Count == 0)
        {
            ReadResult result;
            try
            {
                result = await _reader.ReadAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException("No stream event from the server in time");
            }

            var buffer = result.Buffer;
            var consumed = buffer.Start;
            try
            {
                while (_parser.TryParse(buffer.Slice(consumed), out var end, out var streamEvent))
                {
                    consumed = end;
                    _events.Enqueue(streamEvent);
                }
            }
            finally
            {
                _reader.AdvanceTo(consumed, buffer.End);
            }

            if (_events.Count == 0 && result.IsCompleted)
            {
                throw new EndOfStreamException("The server closed the connection");
            }
        }

        return _events.Dequeue();
    }

    public async Task<XmppElement> NextElementAsync(TimeSpan? timeout = null)
    {
        var streamEvent = await NextEventAsync(timeout);
        Assert.True(streamEvent.Kind == XmppStreamEventKind.Element, $"expected an element, got {streamEvent.Kind}");
        return streamEvent.Element!;
    }

    /// <summary>XEP-0198 §3: enables stream management (with resumption if asked) and returns the server's &lt;enabled/&gt;.</summary>
    public async Task<XmppElement> EnableStreamManagementAsync(bool resume = false)
    {
        await SendAsync(resume
            ? $"<enable xmlns='{Namespaces.StreamManagement}' resume='true'/>"
            : $"<enable xmlns='{Namespaces.StreamManagement}'/>");
        return await ExpectAsync(e => e.Is("enabled", Namespaces.StreamManagement), "<enabled/>");
    }

    /// <summary>Waits for an element matching <paramref name="match"/>, skipping others (for example presence noise).</summary>
    public async Task<XmppElement> ExpectAsync(Func<XmppElement, bool> match, string description, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        var skipped = new List<string>();
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"Timed out waiting for {description}; skipped: {string.Join(" | ", skipped)}");
            }

            XmppStreamEvent streamEvent;
            try
            {
                streamEvent = await NextEventAsync(left);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"Timed out waiting for {description}; skipped: {string.Join(" | ", skipped)}");
            }

            if (streamEvent.Kind != XmppStreamEventKind.Element)
            {
                throw new InvalidOperationException($"Stream ended while waiting for {description}; skipped: {string.Join(" | ", skipped)}");
            }

            if (match(streamEvent.Element!))
            {
                return streamEvent.Element!;
            }

            skipped.Add(streamEvent.Element!.ToString());
        }
    }

    /// <summary>Expects &lt;stream:error&gt; with this condition, then the end of the stream or of the connection.</summary>
    public async Task ExpectStreamErrorAsync(StreamErrorCondition condition)
    {
        XmppElement error;
        while (true)
        {
            var streamEvent = await NextEventAsync();
            if (streamEvent.Kind == XmppStreamEventKind.Element)
            {
                error = streamEvent.Element!;
                break;
            }

            Assert.Equal(XmppStreamEventKind.StreamStart, streamEvent.Kind);
        }

        Assert.True(error.Is("error", Namespaces.Streams), $"expected a stream error, got {error}");
        var name = error.Elements().FirstOrDefault(e => e.Namespace == Namespaces.StreamErrors && e.Name != "text")?.Name;
        Assert.Equal(XmppErrors.ToElementName(condition), name);
        await ExpectClosedAsync();
    }

    /// <summary>Expects the closing stream tag or the connection's end, and nothing else.</summary>
    public async Task ExpectClosedAsync()
    {
        try
        {
            var streamEvent = await NextEventAsync();
            Assert.Equal(XmppStreamEventKind.StreamEnd, streamEvent.Kind);
        }
        catch (EndOfStreamException)
        {
        }
        catch (IOException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            await _reader.CompleteAsync();
            await _stream.DisposeAsync();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
        }

        _tcp.Dispose();
        _trustedCertificate.Dispose();
    }

    private async Task WrapTlsAsync()
    {
        await _reader.CompleteAsync();
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false, (_, certificate, _, _) =>
            certificate is not null && certificate.GetCertHashString() == _trustedCertificate.GetCertHashString());
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = TestServer.Domain, EnabledSslProtocols = _tlsProtocols });
        _stream = ssl;
        _reader = PipeReader.Create(ssl, new StreamPipeReaderOptions(leaveOpen: true));
        _parser = NewParser();
    }

    private static XmppStreamParser NewParser()
        => new(new XmppParserOptions { MaxStanzaBytes = 4 * 1024 * 1024, MaxStanzaBytesBeforeAuthentication = 4 * 1024 * 1024 }) { MaxStanzaBytes = 4 * 1024 * 1024 };
}
