using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using XmppServer.Core.Accounts;
using XmppServer.Core.Tls;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.Infrastructure;

/// <summary>
/// The real server, in process, on loopback ports with a temporary data directory (real SQLite file, real
/// certificate, real sockets and TLS). Each test class gets its own. A server can be stopped and another started on
/// the same data directory, to test what survives a restart.
/// </summary>
public sealed class TestServer : IXmppServerEndpoint, IAsyncDisposable
{
    public const string Domain = "localhost";

    private readonly IHost _app;
    private bool _stopped;

    private TestServer(IHost app, string dataDirectory, int port, int tlsPort, string? certificatePath)
    {
        _app = app;
        CertificatePath = certificatePath ?? Path.Combine(dataDirectory, CertificateProvider.GeneratedCertificateFile);
        DataDirectory = dataDirectory;
        Port = port;
        TlsPort = tlsPort;
    }

    public string DataDirectory { get; }

    public int Port { get; }

    public int TlsPort { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The certificate file the server serves: Xmpp:Tls:CertificatePath when set, else the generated one.</summary>
    public string CertificatePath { get; }

    /// <param name="settings">Configuration overrides, for example <c>["Xmpp:Offline:MaxMessagesPerUser"] = "2"</c>.</param>
    /// <param name="dataDirectory">An existing data directory to reuse (that of a stopped server); a new one when null.</param>
    public static async Task<TestServer> StartAsync(IDictionary<string, string?>? settings = null, string? dataDirectory = null)
    {
        if (dataDirectory is null)
        {
            dataDirectory = Path.Combine(Path.GetTempPath(), "xmpp-it-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dataDirectory);
        }

        // A port picked here may be taken before the server binds it (parallel test classes); then pick again.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var tlsPort = FreePort();
            var configuration = Configuration(dataDirectory, port, tlsPort, settings);
            var app = Program.BuildServer(configuration);
            try
            {
                await app.StartAsync();
                return new TestServer(app, dataDirectory, port, tlsPort, configuration["Xmpp:Tls:CertificatePath"] is { Length: > 0 } path ? path : null);
            }
            catch (IOException) when (attempt < 5)
            {
                await ((IAsyncDisposable)app).DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The configuration a test server runs with: the test domain, <paramref name="dataDirectory"/>, the two client
    /// ports on 127.0.0.1 (0 turns one off) and logging at Warning, with <paramref name="settings"/> over them.
    /// </summary>
    public static IConfiguration Configuration(string dataDirectory, int port, int tlsPort, IDictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Xmpp:Domains:0"] = Domain,
            ["Xmpp:DataDirectory"] = dataDirectory,
            ["Xmpp:Listen:Address"] = "127.0.0.1",
            ["Xmpp:Listen:C2sPort"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Xmpp:Listen:C2sTlsPort"] = tlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        if (settings is not null)
        {
            foreach (var (key, value) in settings)
            {
                values[key] = value;
            }
        }

        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }

    public async Task<Jid> CreateUserAsync(string localpart, string password = "secret")
    {
        var user = Jid.Parse($"{localpart}@{Domain}");
        var accounts = Services.GetRequiredService<IAccountStore>();
        var created = await accounts.CreateAsync(user, PasswordHasher.Create(password, 4096), CancellationToken.None);
        Assert.True(created, $"account {user} exists already");
        return user;
    }

    /// <summary>Stops the server as the host does on shutdown, and keeps the data directory.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await _app.StopAsync();
        await ((IAsyncDisposable)_app).DisposeAsync();
    }

    /// <summary>Stops the server if it still runs, and deletes the data directory.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// A free port below Linux's ephemeral range (32768 and up), so that no outgoing connection of the tests can take
    /// it between this check and the server's bind.
    /// </summary>
    internal static int FreePort()
    {
        while (true)
        {
            var port = Random.Shared.Next(20_000, 32_000);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
            }
        }
    }
}
