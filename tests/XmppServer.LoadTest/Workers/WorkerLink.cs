using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace XmppServer.LoadTest.Workers;

/// <summary>
/// The worker's end of the coordinator link: JSON lines out on stdout, command words in on stdin.
/// stdin closing means the coordinator is gone, and the worker stops.
/// </summary>
internal sealed class WorkerLink : IDisposable
{
    private readonly Lock _writeLock = new();
    private readonly Stream _output = Console.OpenStandardOutput();
    private readonly Channel<string> _commands = Channel.CreateUnbounded<string>();
    private readonly CancellationTokenSource _lost = new();
    private Timer? _progressTimer;

    public WorkerLink(int index, int count)
    {
        Index = index;
        Count = count;
    }

    public int Index { get; }

    public int Count { get; }

    /// <summary>Cancelled when the coordinator closes our stdin or dies.</summary>
    public CancellationToken Lost => _lost.Token;

    public void Start() => _ = ReadCommandsAsync();

    public void Send(WorkerMessage message)
    {
        message.Worker = Index;
        var json = JsonSerializer.SerializeToUtf8Bytes(message, WorkerJsonContext.Default.WorkerMessage);
        lock (_writeLock)
        {
            _output.Write(json);
            _output.WriteByte((byte)'\n');
            _output.Flush();
        }
    }

    public void Send(string type, Action<WorkerMessage>? fill = null)
    {
        var message = new WorkerMessage { Type = type };
        fill?.Invoke(message);
        Send(message);
    }

    /// <summary>Sends a progress message built by <paramref name="build"/> every <paramref name="interval"/>.</summary>
    public void StartProgress(Func<WorkerMessage> build, TimeSpan interval)
    {
        _progressTimer = new Timer(
            _ =>
            {
                var message = build();
                message.Type = MessageTypes.Progress;
                Send(message);
            },
            null,
            interval,
            interval);
    }

    public async Task WaitForAsync(string command, CancellationToken cancellationToken)
    {
        var received = await _commands.Reader.ReadAsync(cancellationToken);
        if (received != command)
        {
            throw new InvalidOperationException($"worker {Index} expected '{command}' from the coordinator, got '{received}'");
        }
    }

    public void Dispose()
    {
        _progressTimer?.Dispose();
        _lost.Dispose();
    }

    private async Task ReadCommandsAsync()
    {
        try
        {
            using var input = new StreamReader(Console.OpenStandardInput(), Encoding.UTF8);
            while (await input.ReadLineAsync() is { } line)
            {
                if (line.Length > 0)
                {
                    _commands.Writer.TryWrite(line.Trim());
                }
            }
        }
        catch (IOException)
        {
            // The pipe broke: same as end of input.
        }

        _commands.Writer.TryComplete();
        try
        {
            await _lost.CancelAsync();
        }
        catch (ObjectDisposedException)
        {
            // The worker finished first.
        }
    }
}
