using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using XmppServer.Cli;
using XmppServer.Core.Accounts;
using XmppServer.Core.Events;
using XmppServer.Core.Hosting;
using XmppServer.Core.Modules;
using XmppServer.Protocol;
using XmppServer.Storage.Sqlite;

namespace XmppServer.IntegrationTests.Cli;

/// <summary>
/// The services the <c>user</c> verbs need, over a real SQLite file in a temporary data directory, serving
/// "localhost" and "example.org".
/// </summary>
internal sealed class CliHost : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private CliHost(string? dataDirectory)
    {
        DataDirectory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "xmppserver-cli-" + Guid.NewGuid().ToString("N"));
        var services = new ServiceCollection();
        services.AddLogging();
        services.Configure<XmppServerOptions>(options =>
        {
            options.DataDirectory = DataDirectory;
            options.Domains.Add("localhost");
            options.Domains.Add("Example.ORG");
        });

        // The lowest iteration count RFC 7677 §4 allows: keeps the tests quick and still runs the real derivation.
        services.Configure<AuthenticationOptions>(options => options.ScramIterations = 4096);
        services.AddSqliteStorage();
        services.AddSingleton<AccountManager>();
        services.AddSingleton(Recorder);
        services.AddSingleton<IEventBus>(sp => new ModuleRegistry([sp.GetRequiredService<UserDeletedRecorder>()]));
        _provider = services.BuildServiceProvider();
    }

    public string DataDirectory { get; }

    /// <summary>A host over a new temporary data directory, or over <paramref name="dataDirectory"/> to share its file.</summary>
    public static CliHost Create(string? dataDirectory = null) => new(dataDirectory);

    public UserDeletedRecorder Recorder { get; } = new();

    public IAccountStore Store => _provider.GetRequiredService<IAccountStore>();

    public AccountManager Accounts => _provider.GetRequiredService<AccountManager>();

    /// <summary>Runs <c>user ARGS</c> with <paramref name="stdin"/> as redirected standard input (none when null).</summary>
    public async Task<CliResult> RunAsync(string[] args, string? stdin = null)
    {
        using var input = new StringReader(stdin ?? string.Empty);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await UserCommand.RunAsync(args, _provider, input, output, error, inputIsRedirected: true, CancellationToken.None);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    public async Task<StoredCredentials?> CredentialsAsync(string jid)
        => await Store.GetCredentialsAsync(Jid.Parse(jid), CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        // Release this database's pooled connections only: other test classes run in parallel, and clearing every
        // pool disposes connections they are opening.
        var database = _provider.GetRequiredService<SqliteDatabase>();
        if (File.Exists(database.Path))
        {
            await using var connection = await database.OpenAsync(CancellationToken.None);
            SqliteConnection.ClearPool(connection);
        }

        await _provider.DisposeAsync();
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }
}
