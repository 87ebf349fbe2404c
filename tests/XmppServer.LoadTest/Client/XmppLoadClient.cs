using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Text;
using XmppServer.LoadTest.Xml;

namespace XmppServer.LoadTest.Client;

/// <summary>
/// One simulated user: a TCP connection negotiated as a real client does (RFC 6120 §4-§7): stream header,
/// STARTTLS or direct TLS, SASL, resource binding, the optional session IQ, initial presence. After login a single
/// receive loop answers server pings and hands messages to the scenario.
/// </summary>
internal sealed class XmppLoadClient : IAsyncDisposable
{
    private const string StreamsNs = "http://etherx.jabber.org/streams";
    private const string TlsNs = "urn:ietf:params:xml:ns:xmpp-tls";
    private const string SaslNs = "urn:ietf:params:xml:ns:xmpp-sasl";
    private const string BindNs = "urn:ietf:params:xml:ns:xmpp-bind";
    private const string SessionNs = "urn:ietf:params:xml:ns:xmpp-session";
    private const string PingNs = "urn:xmpp:ping";
    private const string ClientNs = "jabber:client";

    // Linux <netinet/in.h>: IPPROTO_IP and IP_BIND_ADDRESS_NO_PORT.
    private const int IpProtocolIp = 0;
    private const int IpBindAddressNoPort = 24;

    // Zero-length reads: an idle connection holds no receive buffer until data arrives.
    private static readonly StreamPipeReaderOptions ReaderOptions = new(
        bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true, useZeroByteReads: true);

    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(1);

    private readonly ClientSettings _settings;
    private readonly IPAddress? _source;
    private readonly IClientObserver? _observer;
    private readonly XmlFrameScanner _scanner = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private Socket? _socket;
    private Stream? _stream;
    private PipeReader? _reader;
    private Task? _receiveLoop;
    private int _closing;
    private string? _pingId;
    private long _pingSentAt;
    private int _pingCounter;

    public XmppLoadClient(ClientSettings settings, int userNumber, IPAddress? source, IClientObserver? observer)
    {
        _settings = settings;
        _source = source;
        _observer = observer;
        UserNumber = userNumber;
    }

    public int UserNumber { get; }

    public string User => _settings.UserPrefix + UserNumber.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public string? FullJid { get; private set; }

    /// <summary>Logged in, receiving, and neither side has closed.</summary>
    public bool IsOpen => _receiveLoop is { IsCompleted: false } && Volatile.Read(ref _closing) == 0;

    /// <summary>Scenario state attached to this client.</summary>
    public object? Tag { get; set; }

    public long LoginStartedTimestamp { get; private set; }

    public long BoundTimestamp { get; private set; }

    public TimeSpan LoginTime => Stopwatch.GetElapsedTime(LoginStartedTimestamp, BoundTimestamp);

    /// <summary>Connects and negotiates up to initial presence, then starts the receive loop.
    /// Throws <see cref="LoginException"/> on failure; cancellation surfaces as OperationCanceledException.</summary>
    public async Task LoginAsync(CancellationToken cancellationToken)
    {
        LoginStartedTimestamp = Stopwatch.GetTimestamp();
        await ConnectAsync(cancellationToken);
        if (_settings.DirectTls)
        {
            // XEP-0368 §3: TLS starts immediately, before any stream header.
            await StartTlsAsync(cancellationToken);
        }
        else
        {
            _reader = PipeReader.Create(_stream!, ReaderOptions);
        }

        var features = await OpenStreamAsync(cancellationToken);
        if (!_settings.DirectTls)
        {
            // RFC 6120 §5.4.2: <starttls/>, then <proceed/>, then the TLS handshake and a new stream.
            if (features.Child("starttls", TlsNs) is null)
            {
                throw new LoginException(LoginFailure.Tls, "server does not offer STARTTLS");
            }

            await SendAsync($"<starttls xmlns='{TlsNs}'/>", cancellationToken);
            var answer = await ReadElementAsync(LoginFailure.Tls, cancellationToken);
            if (!answer.Is("proceed", TlsNs))
            {
                throw new LoginException(LoginFailure.Tls, $"STARTTLS answered with <{answer.Name}/>");
            }

            await StartTlsAsync(cancellationToken);
            features = await OpenStreamAsync(cancellationToken);
        }

        await AuthenticateAsync(features, cancellationToken);

        // RFC 6120 §6.4.6: after SASL success both sides start a new stream over the same connection.
        _scanner.Reset();
        features = await OpenStreamAsync(cancellationToken);
        await BindAsync(features, cancellationToken);
        BoundTimestamp = Stopwatch.GetTimestamp();

        // RFC 3921 §3 session establishment; RFC 6121 made it obsolete and servers mark it <optional/>.
        var session = features.Child("session", SessionNs);
        if (session is not null && (_settings.ForceSession || session.Child("optional") is null))
        {
            await SendAsync($"<iq type='set' id='sess1'><session xmlns='{SessionNs}'/></iq>", cancellationToken);
            var result = await ReadElementAsync(LoginFailure.Bind, cancellationToken);
            if (result.Attribute("type") != "result")
            {
                throw new LoginException(LoginFailure.Bind, "session IQ failed");
            }
        }

        // RFC 6121 §4.2: initial presence makes the resource available (messages to the bare JID reach it).
        await SendAsync("<presence/>", cancellationToken);
        _receiveLoop = ReceiveLoopAsync();
    }

    /// <summary>Sends a stanza; thread-safe.</summary>
    public async ValueTask SendAsync(string xml, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(xml.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(xml, buffer);
            await _writeLock.WaitAsync(cancellationToken);
            try
            {
                await _stream!.WriteAsync(buffer.AsMemory(0, length), cancellationToken);
            }
            finally
            {
                _writeLock.Release();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>XEP-0199 §4.2: a client-to-server ping; the answer reaches <see cref="IClientObserver.OnPingAnswered"/>.</summary>
    public ValueTask SendPingAsync(CancellationToken cancellationToken)
    {
        var id = "ping" + Interlocked.Increment(ref _pingCounter).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Volatile.Write(ref _pingSentAt, Stopwatch.GetTimestamp());
        Volatile.Write(ref _pingId, id);
        return SendAsync($"<iq type='get' to='{XmlEscape.Escape(_settings.Domain)}' id='{id}'><ping xmlns='{PingNs}'/></iq>", cancellationToken);
    }

    /// <summary>RFC 6120 §4.4: close the stream, wait briefly for the server's closing tag, then the connection.</summary>
    public async ValueTask CloseAsync()
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }

        if (_receiveLoop is not null)
        {
            try
            {
                using var timeout = new CancellationTokenSource(CloseWait);
                await SendAsync("</stream:stream>", timeout.Token);
                await _receiveLoop.WaitAsync(CloseWait);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or TimeoutException or ObjectDisposedException or InvalidOperationException)
            {
                // The server is gone or slow to answer; the connection is dropped below either way.
            }
        }

        Abort();
        if (_receiveLoop is not null)
        {
            await _receiveLoop;
        }
    }

    public ValueTask DisposeAsync() => CloseAsync();

    private void Abort()
    {
        _reader?.CancelPendingRead();
        try
        {
            _socket?.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already reset by the peer.
        }
        catch (ObjectDisposedException)
        {
        }

        _stream?.Dispose();
        _socket?.Dispose();
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(_settings.Server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _socket = socket;
        try
        {
            if (_source is not null)
            {
                if (OperatingSystem.IsLinux() && _source.AddressFamily == AddressFamily.InterNetwork)
                {
                    // Linux ip(7) IP_BIND_ADDRESS_NO_PORT: choose the port at connect(), per destination, so that
                    // binding the source address does not reserve a port for every destination.
                    socket.SetRawSocketOption(IpProtocolIp, IpBindAddressNoPort, BitConverter.GetBytes(1));
                }

                socket.Bind(new IPEndPoint(_source, 0));
            }

            await socket.ConnectAsync(_settings.Server, cancellationToken);
        }
        catch (SocketException e)
        {
            throw new LoginException(LoginFailure.Connect, $"connect: {e.SocketErrorCode}", e);
        }

        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    private async Task StartTlsAsync(CancellationToken cancellationToken)
    {
        if (_reader is not null)
        {
            // Nothing follows <proceed/> until the handshake: the plain reader is done (it leaves the stream open).
            await _reader.CompleteAsync();
        }

        var ssl = new SslStream(_stream!, leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions
        {
            // RFC 6120 §13.7.2.1 / RFC 6125: the certificate must name the XMPP domain; SNI carries it.
            TargetHost = _settings.Domain,

            // XEP-0368 §3: the ALPN protocol for direct TLS client connections.
            ApplicationProtocols = _settings.DirectTls ? [new SslApplicationProtocol("xmpp-client")] : null,
        };
        _settings.Trust.Apply(options);
        try
        {
            await ssl.AuthenticateAsClientAsync(options, cancellationToken);
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            await ssl.DisposeAsync();
            throw new LoginException(LoginFailure.Tls, $"TLS: {e.Message} {e.InnerException?.Message}".TrimEnd(), e);
        }

        _stream = ssl;
        _reader = PipeReader.Create(ssl, ReaderOptions);
        _scanner.Reset();
    }

    /// <summary>RFC 6120 §4.2-§4.3: send our header, read the server's, return its stream features.</summary>
    private async Task<MiniElement> OpenStreamAsync(CancellationToken cancellationToken)
    {
        var domain = XmlEscape.Escape(_settings.Domain);

        // RFC 6120 §4.7.1: over TLS the initiating entity includes 'from' (its bare JID).
        var from = _stream is SslStream ? $" from='{XmlEscape.Escape(User)}@{domain}'" : string.Empty;
        await SendAsync(
            $"<?xml version='1.0'?><stream:stream to='{domain}'{from} version='1.0' xml:lang='en' xmlns='{ClientNs}' xmlns:stream='{StreamsNs}'>",
            cancellationToken);
        var (kind, header) = await ReadFrameAsync(LoginFailure.Stream, cancellationToken);
        if (kind != XmlFrameKind.StreamStart || header is null || header.Name != "stream")
        {
            throw new LoginException(LoginFailure.Stream, "no stream header from the server");
        }

        var features = await ReadElementAsync(LoginFailure.Stream, cancellationToken);
        if (!features.Is("features", StreamsNs))
        {
            throw new LoginException(LoginFailure.Stream, $"expected stream features, got <{features.Name}/>");
        }

        return features;
    }

    private async Task AuthenticateAsync(MiniElement features, CancellationToken cancellationToken)
    {
        var name = _settings.Mechanism switch
        {
            SaslMechanism.ScramSha256 => "SCRAM-SHA-256",
            SaslMechanism.Plain => "PLAIN",
            _ => "SCRAM-SHA-1",
        };

        // RFC 6120 §6.4.1: the mechanism must be among those the server offers.
        var offered = features.Child("mechanisms", SaslNs)?.Children.Any(m => m.Name == "mechanism" && m.Text.Trim() == name) ?? false;
        if (!offered)
        {
            throw new LoginException(LoginFailure.Auth, $"server does not offer {name}");
        }

        if (_settings.Mechanism == SaslMechanism.Plain)
        {
            // RFC 4616 §2: [authzid] NUL authcid NUL passwd.
            var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{User}\0{_settings.Password}"));
            await SendAsync($"<auth xmlns='{SaslNs}' mechanism='PLAIN'>{plain}</auth>", cancellationToken);
            var outcome = await ReadElementAsync(LoginFailure.Auth, cancellationToken);
            if (!outcome.Is("success", SaslNs))
            {
                throw new LoginException(LoginFailure.Auth, $"PLAIN: <{outcome.FirstChild?.Name ?? outcome.Name}/>");
            }

            return;
        }

        var scram = new ScramClient(
            _settings.Mechanism == SaslMechanism.ScramSha256 ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA1,
            User,
            _settings.Password,
            cache: _settings.ScramCache);
        await SendAsync($"<auth xmlns='{SaslNs}' mechanism='{name}'>{Base64(scram.ClientFirstMessage)}</auth>", cancellationToken);
        var challenge = await ReadElementAsync(LoginFailure.Auth, cancellationToken);
        if (!challenge.Is("challenge", SaslNs))
        {
            throw new LoginException(LoginFailure.Auth, $"{name}: expected a challenge, got <{challenge.FirstChild?.Name ?? challenge.Name}/>");
        }

        string final;
        try
        {
            final = scram.ProcessServerFirst(FromBase64(challenge.Text));
        }
        catch (ScramException e)
        {
            throw new LoginException(LoginFailure.Auth, $"{name}: {e.Message}", e);
        }

        await SendAsync($"<response xmlns='{SaslNs}'>{Base64(final)}</response>", cancellationToken);
        var result = await ReadElementAsync(LoginFailure.Auth, cancellationToken);
        if (result.Is("challenge", SaslNs))
        {
            // RFC 6120 §6.3.10 allows the server's final data in a last challenge, answered with an empty response.
            if (!scram.VerifyServerFinal(FromBase64(result.Text)))
            {
                throw new LoginException(LoginFailure.Auth, $"{name}: bad server signature");
            }

            await SendAsync($"<response xmlns='{SaslNs}'/>", cancellationToken);
            result = await ReadElementAsync(LoginFailure.Auth, cancellationToken);
            if (!result.Is("success", SaslNs))
            {
                throw new LoginException(LoginFailure.Auth, $"{name}: <{result.Name}/>");
            }

            return;
        }

        if (!result.Is("success", SaslNs))
        {
            throw new LoginException(LoginFailure.Auth, $"{name}: <{result.FirstChild?.Name ?? result.Name}/>");
        }

        // RFC 6120 §6.3.10: additional data with success carries the server signature (RFC 5802 "v=").
        if (!scram.VerifyServerFinal(FromBase64(result.Text)))
        {
            throw new LoginException(LoginFailure.Auth, $"{name}: bad server signature");
        }
    }

    private async Task BindAsync(MiniElement features, CancellationToken cancellationToken)
    {
        if (features.Child("bind", BindNs) is null)
        {
            throw new LoginException(LoginFailure.Bind, "server does not offer resource binding");
        }

        // RFC 6120 §7.6: bind a resource of our choosing; a random suffix keeps repeated logins apart.
        var resource = _settings.ResourcePrefix + Convert.ToHexString(RandomNumberGenerator.GetBytes(4));
        await SendAsync(
            $"<iq type='set' id='bind1'><bind xmlns='{BindNs}'><resource>{XmlEscape.Escape(resource)}</resource></bind></iq>",
            cancellationToken);
        var result = await ReadElementAsync(LoginFailure.Bind, cancellationToken);
        if (result.Name != "iq" || result.Attribute("type") != "result")
        {
            throw new LoginException(LoginFailure.Bind, "bind failed");
        }

        FullJid = result.Child("bind", BindNs)?.Child("jid")?.Text;
    }

    private async Task<MiniElement> ReadElementAsync(LoginFailure stage, CancellationToken cancellationToken)
    {
        var (kind, element) = await ReadFrameAsync(stage, cancellationToken);
        if (kind != XmlFrameKind.Element || element is null)
        {
            throw new LoginException(LoginFailure.Stream, "the server closed the stream");
        }

        // RFC 6120 §4.9: a stream error ends the stream.
        if (element.Is("error", StreamsNs))
        {
            throw new LoginException(LoginFailure.Stream, $"stream error <{element.FirstChild?.Name}/>");
        }

        return element;
    }

    private async Task<(XmlFrameKind Kind, MiniElement? Element)> ReadFrameAsync(LoginFailure stage, CancellationToken cancellationToken)
    {
        var reader = _reader!;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken);
                var buffer = result.Buffer;
                if (_scanner.TryRead(buffer, out var kind, out var frame, out var consumed))
                {
                    var element = kind == XmlFrameKind.StreamEnd ? null : Parse(kind, frame);
                    reader.AdvanceTo(consumed);
                    return (kind, element);
                }

                reader.AdvanceTo(consumed, buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    throw new LoginException(LoginFailure.Stream, "the server closed the connection");
                }
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw new LoginException(stage, e.Message, e);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var reader = _reader!;
        var reason = "connection closed by the server";
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync();
                if (result.IsCanceled)
                {
                    reason = "closed by the client";
                    break;
                }

                var buffer = result.Buffer;
                var ended = false;
                while (true)
                {
                    if (!_scanner.TryRead(buffer, out var kind, out var frame, out var consumed))
                    {
                        reader.AdvanceTo(consumed, buffer.End);
                        break;
                    }

                    if (kind == XmlFrameKind.StreamEnd)
                    {
                        reader.AdvanceTo(consumed);
                        ended = true;
                        break;
                    }

                    var element = Parse(kind, frame);
                    buffer = buffer.Slice(consumed);
                    var error = await DispatchAsync(element);
                    if (error is not null)
                    {
                        reason = error;
                    }
                }

                if (ended)
                {
                    reason = reason.StartsWith("stream error", StringComparison.Ordinal) ? reason : "stream closed by the server";
                    break;
                }

                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ObjectDisposedException or OperationCanceledException or SocketException)
        {
            reason = Volatile.Read(ref _closing) != 0 ? "closed by the client" : $"receive failed: {e.Message}";
        }
        finally
        {
            await reader.CompleteAsync();
        }

        if (Interlocked.Exchange(ref _closing, 1) == 0)
        {
            // The server ended the session: release the connection and tell the scenario.
            Abort();
            _observer?.OnClosed(this, reason);
        }
    }

    private async ValueTask<string?> DispatchAsync(MiniElement element)
    {
        switch (element.Name)
        {
            case "message":
                _observer?.OnMessage(this, element, Stopwatch.GetTimestamp());
                return null;

            case "iq":
                var type = element.Attribute("type");
                var id = element.Attribute("id") ?? string.Empty;
                if (type is "get" or "set")
                {
                    await AnswerIqAsync(element, type, id);
                }
                else if (id == Volatile.Read(ref _pingId))
                {
                    var rtt = Stopwatch.GetTimestamp() - Volatile.Read(ref _pingSentAt);
                    Volatile.Write(ref _pingId, null);
                    _observer?.OnPingAnswered(this, rtt, type != "result");
                }

                return null;

            case "error" when element.Namespace == StreamsNs:
                return $"stream error <{element.FirstChild?.Name}/>";

            default:
                return null;
        }
    }

    private async ValueTask AnswerIqAsync(MiniElement iq, string type, string id)
    {
        var from = iq.Attribute("from");
        var to = from is null ? string.Empty : $" to='{XmlEscape.Escape(from)}'";
        var escapedId = XmlEscape.Escape(id);
        try
        {
            if (type == "get" && iq.Child("ping", PingNs) is not null)
            {
                // XEP-0199 §4.1: answer a server-to-client ping with an empty result.
                _observer?.OnServerPing(this);
                await SendAsync($"<iq type='result'{to} id='{escapedId}'/>", CancellationToken.None);
            }
            else
            {
                // RFC 6120 §8.4: an IQ get/set the client does not understand gets <service-unavailable/>.
                await SendAsync(
                    $"<iq type='error'{to} id='{escapedId}'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>",
                    CancellationToken.None);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The connection is going; the receive loop notices.
        }
    }

    private static MiniElement Parse(XmlFrameKind kind, ReadOnlySequence<byte> frame)
    {
        if (frame.IsSingleSegment)
        {
            return ParseSpan(kind, frame.FirstSpan);
        }

        var length = checked((int)frame.Length);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            frame.CopyTo(rented);
            return ParseSpan(kind, rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static MiniElement ParseSpan(XmlFrameKind kind, ReadOnlySpan<byte> span)
        => kind == XmlFrameKind.StreamStart ? MiniElement.ParseStartTag(span) : MiniElement.Parse(span, ClientNs);

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static string FromBase64(string text)
    {
        try
        {
            // RFC 6120 §6.4.2: "=" is an empty payload.
            var trimmed = text.Trim();
            return trimmed is "" or "=" ? string.Empty : Encoding.UTF8.GetString(Convert.FromBase64String(trimmed));
        }
        catch (FormatException e)
        {
            throw new LoginException(LoginFailure.Auth, "SASL data is not base64", e);
        }
    }
}
