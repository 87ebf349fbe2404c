using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace XmppServer.LoadTest.Faults;

/// <summary>
/// XmppServer as a child process on a loopback port and a data directory of its own, so that it can be stopped the
/// way an operator stops it (SIGTERM: graceful shutdown) or killed the way a crash does (SIGKILL), and started again on
/// the same data. Its output goes to a log file in the data directory's parent.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly string _dll;
    private readonly string _workDirectory;
    private readonly string _domain;
    private readonly IReadOnlyList<string> _extraSettings;
    private readonly StreamWriter _log;
    private readonly Lock _logLock = new();
    private Process? _process;
    private int _errorLines;

    public ServerProcess(string dll, string workDirectory, string domain, IReadOnlyList<string> extraSettings)
    {
        _dll = Path.GetFullPath(dll);
        _workDirectory = workDirectory;
        _domain = domain;
        _extraSettings = extraSettings;
        DataDirectory = Path.Combine(workDirectory, "data");
        LogPath = Path.Combine(workDirectory, "server.log");
        Directory.CreateDirectory(DataDirectory);
        _log = new StreamWriter(LogPath, append: true) { AutoFlush = true };
    }

    public string DataDirectory { get; }

    public string LogPath { get; }

    public string CertificatePath => Path.Combine(DataDirectory, "certificate.pem");

    /// <summary>The c2s port of the running (or last) server.</summary>
    public int Port { get; private set; }

    public int? Pid => _process is { HasExited: false } process ? process.Id : null;

    /// <summary>Log lines at error or critical level ("fail:", "crit:") so far.</summary>
    public int ErrorLines => Volatile.Read(ref _errorLines);

    /// <summary>The last error lines, for a report.</summary>
    public List<string> LastErrors { get; } = [];

    /// <summary>The dotnet host: the one running this process when it is dotnet, else the one on the PATH.</summary>
    private static string DotnetHost
        => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
            : Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";

    /// <summary>Creates accounts PREFIX1..PREFIXcount with the CLI's <c>user add-many</c>.</summary>
    public async Task CreateAccountsAsync(string prefix, int count, string password, CancellationToken cancellationToken)
    {
        var exit = await RunToEndAsync(
            ["user", "add-many", _domain, prefix, count.ToString(CultureInfo.InvariantCulture), "--password", password, .. Settings(0)],
            cancellationToken);
        if (exit != 0)
        {
            throw new InvalidOperationException($"user add-many exited with {exit}; see {LogPath}");
        }
    }

    /// <summary>Starts the server (on the previous port when it is free, else on a new one) and waits until it listens.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = Port != 0 && attempt == 1 ? Port : FreePort();
            var startInfo = NewStartInfo([.. Settings(port)]);
            var process = Process.Start(startInfo) ?? throw new InvalidOperationException("the server did not start");
            _process = process;
            Port = port;
            Pump(process);
            var deadline = Stopwatch.GetTimestamp() + (long)(StartTimeout.TotalSeconds * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < deadline)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (process.HasExited)
                {
                    break;
                }

                if (File.Exists(CertificatePath) && await AcceptsAsync(port, cancellationToken))
                {
                    WriteLog($"[faults] server pid {process.Id} listening on 127.0.0.1:{port}");
                    return;
                }

                await Task.Delay(50, cancellationToken);
            }

            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync(cancellationToken);
            }

            // Most likely the port was taken between our check and the server's bind: another port, a few times.
            if (attempt >= 5)
            {
                throw new InvalidOperationException($"the server did not start (exit {process.ExitCode}); see {LogPath}");
            }
        }
    }

    /// <summary>SIGTERM: the host's graceful shutdown (streams closed with system-shutdown, sessions ended).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        WriteLog($"[faults] SIGTERM to {process.Id}");
        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
        {
            if (kill is not null)
            {
                await kill.WaitForExitAsync(cancellationToken);
            }
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StopTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            WriteLog("[faults] graceful stop timed out; killing");
            process.Kill();
            await process.WaitForExitAsync(cancellationToken);
            throw new InvalidOperationException($"the server did not stop within {StopTimeout.TotalSeconds:0} s of SIGTERM");
        }

        WriteLog($"[faults] server exited with {process.ExitCode}");
    }

    /// <summary>SIGKILL: the process dies at once, as in a crash or an OOM kill.</summary>
    public async Task KillAsync(CancellationToken cancellationToken)
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        WriteLog($"[faults] SIGKILL to {process.Id}");
        process.Kill();
        await process.WaitForExitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
        }

        _process?.Dispose();
        lock (_logLock)
        {
            _log.Dispose();
        }
    }

    private IEnumerable<string> Settings(int port)
    {
        yield return $"--Xmpp:DataDirectory={DataDirectory}";
        yield return $"--Xmpp:Domains:0={_domain}";
        yield return "--Xmpp:Listen:Address=127.0.0.1";
        yield return $"--Xmpp:Listen:C2sPort={port.ToString(CultureInfo.InvariantCulture)}";
        yield return "--Xmpp:Listen:C2sTlsPort=0";
        yield return "--Xmpp:Listen:S2sPort=0";
        yield return "--Xmpp:Listen:HttpPort=0";
        foreach (var setting in _extraSettings)
        {
            yield return setting;
        }
    }

    private ProcessStartInfo NewStartInfo(IEnumerable<string> arguments)
    {
        var startInfo = new ProcessStartInfo(DotnetHost)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = _workDirectory,
        };
        startInfo.ArgumentList.Add(_dll);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // The server's own settings must not leak in from whatever started this run.
        startInfo.Environment.Remove("ASPNETCORE_URLS");
        return startInfo;
    }

    private async Task<int> RunToEndAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        using var process = Process.Start(NewStartInfo(arguments)) ?? throw new InvalidOperationException("the server CLI did not start");
        Pump(process);
        await process.WaitForExitAsync(cancellationToken);
        return process.ExitCode;
    }

    private void Pump(Process process)
    {
        process.StandardInput.Close();
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (line.Contains("fail:", StringComparison.Ordinal) || line.Contains("crit:", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _errorLines);
            lock (_logLock)
            {
                LastErrors.Add(line);
                if (LastErrors.Count > 5)
                {
                    LastErrors.RemoveAt(0);
                }
            }
        }

        WriteLog(line);
    }

    private void WriteLog(string line)
    {
        lock (_logLock)
        {
            try
            {
                _log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private static async Task<bool> AcceptsAsync(int port, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>A port the system considers free right now (the server may still lose a race for it; then we retry).</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
