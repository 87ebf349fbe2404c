using Microsoft.Extensions.Configuration;

namespace XmppServer.Hosting;

/// <summary>
/// Settings come from config/xmppserver.json (next to the executable, else in ./config, or the --config file), then
/// environment variables (Xmpp__Listen__C2sPort=...), then --Key=Value arguments; later sources win.
/// </summary>
internal static class ServerConfiguration
{
    public const string FileName = "xmppserver.json";

    public static IConfigurationRoot Build(string? configPath, IReadOnlyList<string> overrides)
    {
        var builder = new ConfigurationBuilder();
        if (configPath is not null)
        {
            var full = Path.GetFullPath(configPath);
            if (!File.Exists(full))
            {
                throw new CommandLineException($"configuration file '{configPath}' does not exist");
            }

            builder.AddJsonFile(full, optional: false, reloadOnChange: false);
        }
        else if (FindDefault() is { } found)
        {
            builder.AddJsonFile(found, optional: false, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables();
        builder.AddCommandLine([.. overrides]);
        return builder.Build();
    }

    private static string? FindDefault()
    {
        foreach (var directory in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            var candidate = Path.Combine(directory, "config", FileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
