using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using XmppServer.Core.Tls;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.Infrastructure;

/// <summary>
/// The built server as a child process (<c>dotnet XmppServer.dll</c>) on free loopback ports, for what an in-process
/// server cannot show: real signals (SIGHUP, SIGTERM) and a hard kill. Its output is kept for the test to read.
/// </summary>
public sealed class ServerProcess : IXmppServerEndpoint, IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _outputLock = new();

    private ServerProcess(Process process, string dataDirectory, int port, int tlsPort, string certificatePath)
    {
        _process = process;
        DataDirectory = dataDirectory;
        Port = port;
        TlsPort = tlsPort;
        CertificatePath = certificatePath;
    }

    public string DataDirectory { get; }

    public int Port { get; }

    public int TlsPort { get; }

    public string CertificatePath { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the server wrote to standard output and error so far.</summary>
    public string Output
    {
        get
        {
            lock (_outputLock)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The server's DLL, copied next to the tests by the project reference.</summary>
    private static string ServerDll => Path.Combine(AppContext.BaseDirectory, "XmppServer.dll");

    /// <summary>Starts the server on <paramref name="dataDirectory"/> and waits until it accepts connections.</summary>
    /// <param name="environment">Environment variables to add to the server's (for example an operator's OPENSSL_CONF).</param>
    public static async Task<ServerProcess> StartAsync(
        string dataDirectory, IDictionary<string, string?>? settings = null, IDictionary<string, string?>? environment = null)
    {
        var port = TestServer.FreePort();
        var tlsPort = TestServer.FreePort();
        var values = new Dictionary<string, string?>
        {
            ["Xmpp:Domains:0"] = TestServer.Domain,
            ["Xmpp:DataDirectory"] = dataDirectory,
            ["Xmpp:Listen:Address"] = "127.0.0.1",
            ["Xmpp:Listen:C2sPort"] = port.ToString(CultureInfo.InvariantCulture),
            ["Xmpp:Listen:C2sTlsPort"] = tlsPort.ToString(CultureInfo.InvariantCulture),
        };
        if (settings is not null)
        {
            foreach (var (key, value) in settings)
            {
                values[key] = value;
            }
        }

        var info = NewStartInfo(dataDirectory);
        foreach (var (key, value) in values)
        {
            info.ArgumentList.Add($"--{key}={value}");
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[name] = value;
        }

        var certificatePath = values.GetValueOrDefault("Xmpp:Tls:CertificatePath") is { Length: > 0 } configured
            ? configured
            : Path.Combine(dataDirectory, CertificateProvider.GeneratedCertificateFile);
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        var server = new ServerProcess(process, dataDirectory, port, tlsPort, certificatePath);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitUntilListeningAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Runs a CLI verb (<c>user add ...</c>) on <paramref name="dataDirectory"/> and returns its exit code.</summary>
    public static async Task<int> RunCliAsync(string dataDirectory, params string[] arguments)
    {
        var info = NewStartInfo(dataDirectory);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.ArgumentList.Add($"--Xmpp:Domains:0={TestServer.Domain}");
        info.ArgumentList.Add($"--Xmpp:DataDirectory={dataDirectory}");
        using var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(StartTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"CLI {string.Join(' ', arguments)} did not finish");
        }

        await Task.WhenAll(stdout, stderr);
        return process.ExitCode;
    }

    /// <summary>Creates an account with the CLI, as an operator would, before the server starts.</summary>
    public static async Task<Jid> CreateUserAsync(string dataDirectory, string localpart, string password = "secret")
    {
        var user = Jid.Parse($"{localpart}@{TestServer.Domain}");
        Assert.Equal(0, await RunCliAsync(dataDirectory, "user", "add", user.ToString(), "--password", password));
        return user;
    }

    /// <summary>Sends a POSIX signal (HUP, TERM, ...) with kill(1).</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, _process.Id.ToString(CultureInfo.InvariantCulture) } })
            ?? throw new InvalidOperationException("kill did not start");
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a crash or an OOM kill.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>Waits for the process to end by itself; false when it still runs after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Kills the process if it still runs; the data directory is the test's to delete.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static ProcessStartInfo NewStartInfo(string dataDirectory)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = dataDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(ServerDll);

        // Only what the test passes: no settings leak in from the environment of the test run.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("Xmpp__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }

        return info;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_outputLock)
        {
            _output.AppendLine(line);
        }
    }

    private async Task WaitUntilListeningAsync()
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                // Both listeners: they are bound one after the other, and the first accepts before the second is up.
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", Port);
                using var tlsProbe = new TcpClient();
                await tlsProbe.ConnectAsync("127.0.0.1", TlsPort);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}
