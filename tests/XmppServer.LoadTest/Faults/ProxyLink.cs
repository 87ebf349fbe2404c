using System.Net.Sockets;

namespace XmppServer.LoadTest.Faults;

/// <summary>
/// One proxied connection: bytes from the client go up to the server and back, counted per direction, and the link can
/// be cut at an exact byte offset of either direction. Offsets count from the link's first byte, so a client that
/// counts what its socket wrote can name the offsets of its own stanzas even under TLS.
/// </summary>
internal sealed class ProxyLink
{
    private const int BufferSize = 16 * 1024;

    /// <summary>How long a cut link keeps draining the server's side before closing it.</summary>
    private static readonly TimeSpan DrainAfterCut = TimeSpan.FromSeconds(10);

    private readonly Socket _client;
    private readonly Socket _server;
    private readonly FaultProxy _proxy;
    private readonly Lock _lock = new();
    private long _upForwarded;
    private long _downForwarded;
    private long _upLimit = long.MaxValue;
    private long _downLimit = long.MaxValue;
    private bool _downLimitCuts;
    private CutKind _kind;
    private CutMode _mode;
    private int _cut;

    public ProxyLink(Socket client, Socket server, FaultProxy proxy)
    {
        _client = client;
        _server = server;
        _proxy = proxy;
        ClientPort = ((System.Net.IPEndPoint)client.RemoteEndPoint!).Port;
    }

    /// <summary>The client's local port: how a client finds its own link.</summary>
    public int ClientPort { get; }

    public long UpForwarded => Interlocked.Read(ref _upForwarded);

    public long DownForwarded => Interlocked.Read(ref _downForwarded);

    public bool IsCut => Volatile.Read(ref _cut) != 0;

    public Task Completion { get; private set; } = Task.CompletedTask;

    internal void Start() => Completion = RunAsync();

    /// <summary>
    /// Cuts the link once the client-to-server stream reaches <paramref name="upOffset"/> bytes: what lies before it is
    /// forwarded, nothing after.
    /// </summary>
    public void CutUpAt(long upOffset, CutKind kind, CutMode mode)
    {
        lock (_lock)
        {
            if (IsCut || _upLimit != long.MaxValue)
            {
                return;
            }

            _kind = kind;
            _mode = mode;
            Interlocked.Exchange(ref _upLimit, upOffset);
        }

        // Already past the point (nothing more will come to trigger it): cut now.
        if (UpForwarded >= upOffset)
        {
            Cut();
        }
    }

    /// <summary>From now on nothing more goes down to the client (the link stays up until a cut).</summary>
    public void BlackholeDown()
    {
        lock (_lock)
        {
            if (_downLimit == long.MaxValue)
            {
                Interlocked.Exchange(ref _downLimit, Interlocked.Read(ref _downForwarded));
            }
        }
    }

    /// <summary>Cuts the link once the server-to-client stream reaches <paramref name="downOffset"/> bytes.</summary>
    public void CutDownAt(long downOffset, CutKind kind, CutMode mode)
    {
        lock (_lock)
        {
            if (IsCut || _downLimit != long.MaxValue || _upLimit != long.MaxValue)
            {
                return;
            }

            _kind = kind;
            _mode = mode;
            _downLimitCuts = true;
            Interlocked.Exchange(ref _downLimit, downOffset);
        }

        if (DownForwarded >= downOffset)
        {
            Cut();
        }
    }

    public void CutNow(CutKind kind, CutMode mode)
    {
        lock (_lock)
        {
            if (IsCut)
            {
                return;
            }

            _kind = kind;
            _mode = mode;
        }

        Cut();
    }

    /// <summary>Resets both sides without counting a cut (the run is over).</summary>
    public void Close() => ResetBoth();

    private async Task RunAsync()
    {
        var up = PumpAsync(_client, _server, up: true);
        var down = PumpAsync(_server, _client, up: false);
        await Task.WhenAll(up, down);
        _client.Dispose();
        _server.Dispose();
        _proxy.Remove(this);
    }

    private async Task PumpAsync(Socket source, Socket destination, bool up)
    {
        var buffer = new byte[BufferSize];
        try
        {
            while (true)
            {
                var read = await source.ReceiveAsync(buffer, SocketFlags.None);
                if (read == 0)
                {
                    if (!IsCut)
                    {
                        // An orderly end on one side is passed on as one, and the link winds down by itself.
                        destination.Shutdown(SocketShutdown.Send);
                    }

                    return;
                }

                var offset = 0;
                while (offset < read)
                {
                    var limit = Limit(up);
                    var allowed = (int)Math.Min(read - offset, Math.Max(0, limit - Forwarded(up)));
                    if (allowed > 0 && !IsCut)
                    {
                        await destination.SendAsync(buffer.AsMemory(offset, allowed), SocketFlags.None);
                        AddForwarded(up, allowed);
                    }

                    // The limit is read again: a cut set while these bytes were being sent saw too few of them
                    // forwarded to fire by itself, and nothing more may come to trigger it.
                    if (Forwarded(up) >= Limit(up))
                    {
                        if (up || _downLimitCuts)
                        {
                            Cut();
                        }

                        // Past the limit everything is dropped; after a cut the server's side is drained until it closes.
                        break;
                    }

                    if (IsCut)
                    {
                        break;
                    }

                    offset += allowed;
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            // A reset on one side: the other goes too.
            if (!IsCut)
            {
                ResetBoth();
            }
        }
    }

    private long Limit(bool up) => up ? Interlocked.Read(ref _upLimit) : Interlocked.Read(ref _downLimit);

    private long Forwarded(bool up) => up ? Interlocked.Read(ref _upForwarded) : Interlocked.Read(ref _downForwarded);

    private void AddForwarded(bool up, int count)
    {
        if (up)
        {
            Interlocked.Add(ref _upForwarded, count);
        }
        else
        {
            Interlocked.Add(ref _downForwarded, count);
        }
    }

    private void Cut()
    {
        if (Interlocked.Exchange(ref _cut, 1) != 0)
        {
            return;
        }

        _proxy.CountCut(_kind);
        Reset(_client);
        if (_mode == CutMode.Reset)
        {
            Reset(_server);
            return;
        }

        // The server reads what was forwarded, then end-of-stream; what it still sends is read and dropped.
        try
        {
            _server.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }

        _ = CloseServerLaterAsync();
    }

    private async Task CloseServerLaterAsync()
    {
        await Task.Delay(DrainAfterCut);
        Reset(_server);
    }

    private void ResetBoth()
    {
        Interlocked.Exchange(ref _cut, 1);
        Reset(_client);
        Reset(_server);
    }

    private static void Reset(Socket socket)
    {
        try
        {
            // SO_LINGER with a zero timeout: close() sends a reset instead of an orderly end.
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }
}
