using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace XmppServer.LoadTest.Faults;

/// <summary>
/// A TCP proxy on a loopback port that the run controls: clients connect to it, it connects each of them to the
/// server's current address (which changes when the server restarts on another port), and any link can be cut at a
/// chosen byte (see <see cref="ProxyLink"/>). While the server is down, connections are reset as soon as they arrive.
/// </summary>
internal sealed class FaultProxy : IAsyncDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    private readonly Socket _listener;
    private readonly ConcurrentDictionary<int, ProxyLink> _links = new();
    private readonly long[] _cuts = new long[Enum.GetValues<CutKind>().Length];
    private readonly CancellationTokenSource _stop = new();
    private Task _acceptLoop = Task.CompletedTask;
    private IPEndPoint _upstream;
    private long _accepted;
    private long _refused;

    public FaultProxy(IPEndPoint upstream)
    {
        if (!IPAddress.IsLoopback(upstream.Address))
        {
            throw new ArgumentException("the fault proxy only forwards to loopback addresses", nameof(upstream));
        }

        _upstream = upstream;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(512);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
    }

    /// <summary>Where clients connect (a free loopback port the system picked).</summary>
    public IPEndPoint EndPoint { get; }

    public IPEndPoint Upstream
    {
        get => Volatile.Read(ref _upstream);
        set => Volatile.Write(ref _upstream, value);
    }

    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Connections reset at once because the server did not answer (it was down).</summary>
    public long Refused => Interlocked.Read(ref _refused);

    public long Cuts(CutKind kind) => Interlocked.Read(ref _cuts[(int)kind]);

    public long TotalCuts
    {
        get
        {
            long total = 0;
            for (var i = 0; i < _cuts.Length; i++)
            {
                total += Interlocked.Read(ref _cuts[i]);
            }

            return total;
        }
    }

    public void Start() => _acceptLoop = AcceptLoopAsync(_stop.Token);

    /// <summary>The link of the client whose socket has local port <paramref name="clientPort"/>, if it is still up.</summary>
    public ProxyLink? Find(int clientPort) => _links.TryGetValue(clientPort, out var link) && !link.IsCut ? link : null;

    /// <summary>A random link that is still up, or null.</summary>
    public ProxyLink? RandomLink(Random random)
    {
        var links = _links.Values.Where(l => !l.IsCut).ToArray();
        return links.Length == 0 ? null : links[random.Next(links.Length)];
    }

    internal void CountCut(CutKind kind) => Interlocked.Increment(ref _cuts[(int)kind]);

    internal void Remove(ProxyLink link) => _links.TryRemove(new KeyValuePair<int, ProxyLink>(link.ClientPort, link));

    private async Task AcceptLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                continue;
            }

            Interlocked.Increment(ref _accepted);
            _ = ConnectAsync(client, cancellationToken);
        }
    }

    private async Task ConnectAsync(Socket client, CancellationToken cancellationToken)
    {
        client.NoDelay = true;
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ConnectTimeout);
            await server.ConnectAsync(Upstream, timeout.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            // The server is down (restarting): the client sees its connection reset, as it would without a proxy.
            Interlocked.Increment(ref _refused);
            client.LingerState = new LingerOption(true, 0);
            client.Dispose();
            server.Dispose();
            return;
        }

        var link = new ProxyLink(client, server, this);
        _links[link.ClientPort] = link;
        link.Start();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        try
        {
            await _acceptLoop;
        }
        catch (OperationCanceledException)
        {
        }

        foreach (var link in _links.Values)
        {
            link.Close();
        }

        await Task.WhenAll(_links.Values.Select(l => l.Completion)).WaitAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }
}
