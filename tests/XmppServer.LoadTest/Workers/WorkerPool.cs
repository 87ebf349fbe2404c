using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using XmppServer.LoadTest.Cli;

namespace XmppServer.LoadTest.Workers;

/// <summary>
/// The coordinator's worker processes: this executable started again with "__worker INDEX COUNT" and the same
/// arguments. Each reports over its stdout (JSON lines) and takes commands on its stdin; stderr is shared.
/// </summary>
internal sealed class WorkerPool : IAsyncDisposable
{
    public const string WorkerVerb = "__worker";

    private static readonly TimeSpan ExitWait = TimeSpan.FromSeconds(15);

    private readonly List<Process> _processes = [];
    private readonly List<Task> _readers = [];
    private readonly Channel<WorkerMessage> _inbox = Channel.CreateUnbounded<WorkerMessage>();
    private readonly WorkerMessage?[] _progress;
    private readonly int[] _pids;

    private WorkerPool(int count)
    {
        _progress = new WorkerMessage?[count];
        _pids = new int[count];
    }

    public int Count => _progress.Length;

    public IReadOnlyList<int> ProcessIds => _pids;

    public static WorkerPool Start(LoadOptions options)
    {
        var pool = new WorkerPool(options.Workers);
        var (launcher, prefix) = Launcher();
        for (var i = 0; i < options.Workers; i++)
        {
            var info = new ProcessStartInfo(launcher)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = false,
                UseShellExecute = false,
            };
            foreach (var arg in prefix)
            {
                info.ArgumentList.Add(arg);
            }

            info.ArgumentList.Add(WorkerVerb);
            info.ArgumentList.Add(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            info.ArgumentList.Add(options.Workers.ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (var arg in options.Arguments)
            {
                info.ArgumentList.Add(arg);
            }

            var process = Process.Start(info) ?? throw new InvalidOperationException("could not start a worker process");
            pool._processes.Add(process);
            pool._pids[i] = process.Id;
            var index = i;
            pool._readers.Add(Task.Run(() => pool.ReadAsync(index, process)));
        }

        return pool;
    }

    /// <summary>The latest progress message of each worker (null until one arrives).</summary>
    public IReadOnlyList<WorkerMessage?> Progress => _progress;

    public long ProgressCounter(string name)
    {
        long sum = 0;
        foreach (var message in _progress)
        {
            if (message is not null && message.Counters.TryGetValue(name, out var value))
            {
                sum += value;
            }
        }

        return sum;
    }

    /// <summary>Waits for one message of <paramref name="type"/> from every worker.</summary>
    public async Task<IReadOnlyList<WorkerMessage>> WaitAllAsync(string type, CancellationToken cancellationToken)
    {
        var received = new WorkerMessage?[Count];
        var remaining = Count;
        while (remaining > 0)
        {
            var message = await _inbox.Reader.ReadAsync(cancellationToken);
            if (message.Type == MessageTypes.Error)
            {
                throw new WorkerFailedException($"worker {message.Worker}: {message.Error}");
            }

            if (message.Type != type)
            {
                await Console.Error.WriteLineAsync($"loadtest: ignoring '{message.Type}' from worker {message.Worker} while waiting for '{type}'");
                continue;
            }

            if (received[message.Worker] is null)
            {
                received[message.Worker] = message;
                remaining--;
            }
        }

        return received!;
    }

    public async Task BroadcastAsync(string command)
    {
        foreach (var process in _processes)
        {
            try
            {
                await process.StandardInput.WriteLineAsync(command);
                await process.StandardInput.FlushAsync();
            }
            catch (IOException)
            {
                // That worker is gone; its reader reports it.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            try
            {
                // End of input tells a worker that the coordinator is done.
                process.StandardInput.Close();
            }
            catch (IOException)
            {
            }
        }

        using var wait = new CancellationTokenSource(ExitWait);
        foreach (var process in _processes)
        {
            try
            {
                await process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                // Only our own child, by its process object.
                process.Kill(entireProcessTree: true);
            }
        }

        await Task.WhenAll(_readers);
        foreach (var process in _processes)
        {
            process.Dispose();
        }
    }

    private async Task ReadAsync(int index, Process process)
    {
        var finished = false;
        try
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                if (line.Length == 0)
                {
                    continue;
                }

                WorkerMessage? message;
                try
                {
                    message = JsonSerializer.Deserialize(line, WorkerJsonContext.Default.WorkerMessage);
                }
                catch (JsonException)
                {
                    await Console.Error.WriteLineAsync($"loadtest: worker {index} wrote a line that is not a message: {line}");
                    continue;
                }

                if (message is null)
                {
                    continue;
                }

                message.Worker = index;
                if (message.Type == MessageTypes.Progress)
                {
                    Volatile.Write(ref _progress[index], message);
                    continue;
                }

                finished |= message.Type is MessageTypes.Result or MessageTypes.Error;
                _inbox.Writer.TryWrite(message);
            }
        }
        catch (IOException)
        {
        }

        await process.WaitForExitAsync();
        if (!finished)
        {
            _inbox.Writer.TryWrite(new WorkerMessage
            {
                Type = MessageTypes.Error,
                Worker = index,
                Error = $"exited with code {process.ExitCode} before reporting a result",
            });
        }
    }

    /// <summary>How to start this program again: its apphost, or "dotnet" and the assembly.</summary>
    private static (string Launcher, string[] Prefix) Launcher()
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("unknown process path");
        return Path.GetFileNameWithoutExtension(path) == "dotnet"
            ? (path, [typeof(WorkerPool).Assembly.Location])
            : (path, []);
    }
}
