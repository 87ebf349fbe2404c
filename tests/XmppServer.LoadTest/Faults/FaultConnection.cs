using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Text;
using XmppServer.LoadTest.Client;
using XmppServer.LoadTest.Xml;

namespace XmppServer.LoadTest.Faults;

/// <summary>
/// One TCP connection of a <see cref="FaultClient"/>: STARTTLS (RFC 6120 §5), SCRAM-SHA-1 (RFC 6120 §6, RFC 5802) and
/// element framing. It counts the bytes its socket wrote, so the client can tell the proxy where its own stanzas lie
/// in the encrypted stream. Not thread-safe: the client serialises writes, and one loop reads.
/// </summary>
internal sealed class FaultConnection : IAsyncDisposable
{
    public const string ClientNs = "jabber:client";
    public const string StreamsNs = "http://etherx.jabber.org/streams";
    private const string TlsNs = "urn:ietf:params:xml:ns:xmpp-tls";
    private const string SaslNs = "urn:ietf:params:xml:ns:xmpp-sasl";

    private static readonly StreamPipeReaderOptions ReaderOptions = new(bufferSize: 8192, minimumReadSize: 2048, leaveOpen: true);

    private readonly Socket _socket;
    private readonly CountingStream _raw;
    private readonly XmlFrameScanner _scanner = new();
    private Stream _stream;
    private PipeReader _reader;
    private int _disposed;

    private FaultConnection(Socket socket)
    {
        _socket = socket;
        _raw = new CountingStream(new NetworkStream(socket, ownsSocket: true));
        _stream = _raw;
        _reader = PipeReader.Create(_raw, ReaderOptions);
        LocalPort = ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>The socket's local port, which the proxy knows the link by.</summary>
    public int LocalPort { get; }

    /// <summary>Bytes this socket has written so far (TLS records included).</summary>
    public long BytesWritten => _raw.Written;

    public static async Task<FaultConnection> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken);
            return new FaultConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// RFC 6120 §4-§6: stream header, STARTTLS and the TLS handshake, a new stream, SCRAM-SHA-1, and the stream restart
    /// after SASL success. Returns the features of the authenticated stream.
    /// </summary>
    public async Task<MiniElement> LoginAsync(string domain, string user, string password, CertificateTrust trust, SaltedPasswordCache cache, CancellationToken cancellationToken)
    {
        var features = await OpenStreamAsync(domain, null, cancellationToken);
        if (features.Child("starttls", TlsNs) is null)
        {
            throw new IOException("the server does not offer STARTTLS");
        }

        await WriteAsync($"<starttls xmlns='{TlsNs}'/>", cancellationToken);
        var proceed = await ReadRequiredAsync(cancellationToken);
        if (!proceed.Is("proceed", TlsNs))
        {
            throw new IOException($"STARTTLS answered with <{proceed.Name}/>");
        }

        await StartTlsAsync(domain, trust, cancellationToken);
        var bare = $"{user}@{domain}";
        features = await OpenStreamAsync(domain, bare, cancellationToken);
        if (features.Child("mechanisms", SaslNs)?.Children.Any(m => m.Text.Trim() == "SCRAM-SHA-1") != true)
        {
            throw new IOException("the server does not offer SCRAM-SHA-1");
        }

        var scram = new ScramClient(HashAlgorithmName.SHA1, user, password, cache: cache);
        await WriteAsync($"<auth xmlns='{SaslNs}' mechanism='SCRAM-SHA-1'>{Base64(scram.ClientFirstMessage)}</auth>", cancellationToken);
        var challenge = await ReadRequiredAsync(cancellationToken);
        if (!challenge.Is("challenge", SaslNs))
        {
            throw new IOException($"SCRAM: expected a challenge, got <{challenge.FirstChild?.Name ?? challenge.Name}/>");
        }

        var final = scram.ProcessServerFirst(Encoding.UTF8.GetString(Convert.FromBase64String(challenge.Text.Trim())));
        await WriteAsync($"<response xmlns='{SaslNs}'>{Base64(final)}</response>", cancellationToken);
        var success = await ReadRequiredAsync(cancellationToken);
        if (!success.Is("success", SaslNs) || !scram.VerifyServerFinal(Encoding.UTF8.GetString(Convert.FromBase64String(success.Text.Trim()))))
        {
            throw new IOException($"SCRAM failed: <{success.FirstChild?.Name ?? success.Name}/>");
        }

        // RFC 6120 §6.4.6: both sides start a new stream over the same connection.
        _scanner.Reset();
        return await OpenStreamAsync(domain, bare, cancellationToken);
    }

    /// <summary>Writes one element (or any XML); returns the socket's byte count before and after it.</summary>
    public async ValueTask<(long Start, long End)> WriteAsync(string xml, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(xml.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(xml, buffer);
            var start = _raw.Written;
            await _stream.WriteAsync(buffer.AsMemory(0, length), cancellationToken);
            await _stream.FlushAsync(cancellationToken);
            return (start, _raw.Written);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The next top-level element, or null at the end of the stream.</summary>
    public async ValueTask<MiniElement?> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (_scanner.TryRead(buffer, out var kind, out var frame, out var consumed))
            {
                var element = kind switch
                {
                    XmlFrameKind.StreamEnd => null,
                    XmlFrameKind.StreamStart => MiniElement.ParseStartTag(ToArray(frame)),
                    _ => MiniElement.Parse(ToArray(frame), ClientNs),
                };
                _reader.AdvanceTo(consumed);
                if (kind == XmlFrameKind.StreamStart)
                {
                    continue;
                }

                return element;
            }

            _reader.AdvanceTo(consumed, buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return null;
            }
        }
    }

    /// <summary>Drops the connection without a closing tag (as a crashed client or a dead network would).</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            _socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }

        _reader.CancelPendingRead();
        _stream.Dispose();
        _socket.Dispose();
    }

    /// <summary>RFC 6120 §4.4: our closing tag, then a short wait for the server's, then the socket.</summary>
    public async Task CloseAsync(TimeSpan wait)
    {
        try
        {
            using var timeout = new CancellationTokenSource(wait);
            await WriteAsync("</stream:stream>", timeout.Token);
            while (await ReadAsync(timeout.Token) is not null)
            {
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException or InvalidOperationException)
        {
        }

        Abort();
    }

    public ValueTask DisposeAsync()
    {
        Abort();
        return ValueTask.CompletedTask;
    }

    private async Task StartTlsAsync(string domain, CertificateTrust trust, CancellationToken cancellationToken)
    {
        // Nothing follows <proceed/> until the handshake: the plain reader is done (it leaves the stream open).
        await _reader.CompleteAsync();
        var ssl = new SslStream(_raw, leaveInnerStreamOpen: true);
        var options = new SslClientAuthenticationOptions { TargetHost = domain };
        trust.Apply(options);
        try
        {
            await ssl.AuthenticateAsClientAsync(options, cancellationToken);
        }
        catch (AuthenticationException e)
        {
            await ssl.DisposeAsync();
            throw new IOException("TLS: " + e.Message, e);
        }

        _stream = ssl;
        _reader = PipeReader.Create(ssl, ReaderOptions);
        _scanner.Reset();
    }

    private async Task<MiniElement> OpenStreamAsync(string domain, string? from, CancellationToken cancellationToken)
    {
        var fromAttribute = from is null ? string.Empty : $" from='{XmlEscape.Escape(from)}'";
        await WriteAsync(
            $"<?xml version='1.0'?><stream:stream to='{XmlEscape.Escape(domain)}'{fromAttribute} version='1.0' xml:lang='en' xmlns='{ClientNs}' xmlns:stream='{StreamsNs}'>",
            cancellationToken);
        var features = await ReadRequiredAsync(cancellationToken);
        if (!features.Is("features", StreamsNs))
        {
            throw new IOException($"expected stream features, got <{features.Name}/>");
        }

        return features;
    }

    /// <summary>The next element; a stream end or stream error is an IOException here.</summary>
    public async ValueTask<MiniElement> ReadRequiredAsync(CancellationToken cancellationToken)
    {
        var element = await ReadAsync(cancellationToken) ?? throw new IOException("the server closed the stream");
        if (element.Is("error", StreamsNs))
        {
            throw new IOException($"stream error <{element.FirstChild?.Name}/>");
        }

        return element;
    }

    private static byte[] ToArray(ReadOnlySequence<byte> frame) => frame.ToArray();

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary>Counts what is written through it: the bytes the socket sends, TLS records included.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        private long _written;

        public long Written => Interlocked.Read(ref _written);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            Interlocked.Add(ref _written, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken);
            Interlocked.Add(ref _written, buffer.Length);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
