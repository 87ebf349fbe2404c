using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using XmppServer.Core.Hosting;
using XmppServer.Hosting;

namespace XmppServer;

/// <summary>
/// <c>XmppServer [verb] [args] [--config PATH] [--Key=Value ...]</c>. With no verb it runs the server.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        CommandLine commandLine;
        IConfigurationRoot configuration;
        try
        {
            commandLine = CommandLine.Parse(args);
            configuration = ServerConfiguration.Build(commandLine.ConfigPath, commandLine.ConfigurationArguments);
        }
        catch (CommandLineException ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
            return 2;
        }

        switch (commandLine.Verb)
        {
            case null or "run":
                UseStrictTlsDefaults(configuration);
                return await RunServerAsync(configuration);
            case "user":
                return await RunUserCommandAsync(commandLine, configuration);
            case "help" or "--help" or "-h":
                await Console.Out.WriteLineAsync(Usage);
                return 0;
            default:
                await Console.Error.WriteLineAsync($"error: unknown verb '{commandLine.Verb}'\n{Usage}");
                return 2;
        }
    }

    private const string Usage = """
        usage: XmppServer [run] [--config PATH] [--Key=Value ...]
               XmppServer user add JID [--password P]
               XmppServer user passwd JID [--password P]
               XmppServer user delete JID
               XmppServer user list DOMAIN
               XmppServer user add-many DOMAIN PREFIX COUNT --password P
        """;

    /// <summary>
    /// Under the Strict cipher policy, makes its suites OpenSSL's defaults before anything loads OpenSSL, so TLS
    /// connections share one OpenSSL context (see OpenSslStrictDefaults); if that cannot be done, each connection is
    /// given the policy instead.
    /// </summary>
    private static void UseStrictTlsDefaults(IConfiguration configuration)
    {
        // Bound as the host binds them, so the defaults (Strict, "data") are those of the options classes.
        var tls = new Core.Tls.TlsOptions();
        var server = new XmppServerOptions();
        try
        {
            configuration.GetSection(Core.Tls.TlsOptions.SectionName).Bind(tls);
            configuration.GetSection(XmppServerOptions.SectionName).Bind(server);
        }
        catch (InvalidOperationException)
        {
            // A value that does not bind is reported, with its setting's name, when the host binds it at start.
            return;
        }

        if (tls.CipherPolicy == Core.Tls.TlsCipherPolicy.Strict)
        {
            Core.Tls.OpenSslStrictDefaults.TryInstall(server.DataDirectory);
        }
    }

    internal static IHost BuildServer(IConfiguration configuration)
    {
        // The host's own configuration sources are replaced below, but with reloading on they would first set a
        // recursive file watcher on the content root, the working directory that holds the data directory: every
        // SQLite write would then wake a watcher thread. The server's configuration is read once, at start.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
            ContentRootPath = Directory.GetCurrentDirectory(),
        });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(configuration);
        ConfigureLogging(builder.Logging, configuration);
        builder.Services.AddXmppServer(configuration);
        return builder.Build();
    }

    private static async Task<int> RunServerAsync(IConfiguration configuration)
    {
        try
        {
            // RunAsync disposes the host when it stops.
            await BuildServer(configuration).RunAsync();
            return 0;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or Microsoft.Extensions.Options.OptionsValidationException)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
            return 1;
        }
    }

    /// <summary>
    /// The user verbs run on the same composition as the server (so a delete reaches every module's storage through
    /// UserDeleted) but start nothing: no listener, no hosted service.
    /// </summary>
    private static async Task<int> RunUserCommandAsync(CommandLine commandLine, IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddLogging(logging =>
        {
            logging.AddConfiguration(configuration.GetSection("Logging"));
            logging.AddSimpleConsole(options => options.SingleLine = true);
            logging.AddFilter(level => level >= LogLevel.Warning);

            // Standard output is the command's answer (user list); log lines go to standard error.
            logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
        });
        services.AddXmppServer(configuration);
        await using var provider = services.BuildServiceProvider();
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };
        return await Cli.UserCommand.RunAsync(commandLine.VerbArguments, provider, Console.In, Console.Out, Console.Error, Console.IsInputRedirected, cancellation.Token);
    }

    internal static void ConfigureLogging(ILoggingBuilder logging, IConfiguration configuration)
    {
        logging.ClearProviders();
        logging.AddConfiguration(configuration.GetSection("Logging"));
        logging.AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";
            options.UseUtcTimestamp = true;
        });
        logging.SetMinimumLevel(LogLevel.Information);
        logging.AddFilter("Microsoft", LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
    }
}
