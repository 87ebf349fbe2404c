namespace XmppServer.Hosting;

/// <summary>
/// Splits the arguments into the verb with its own arguments, the --config path, and configuration overrides
/// (<c>--Key=Value</c>, handed to .NET configuration).
/// </summary>
internal sealed record CommandLine(string? Verb, IReadOnlyList<string> VerbArguments, string? ConfigPath, IReadOnlyList<string> ConfigurationArguments)
{
    /// <summary>Options of the verbs themselves, which are never configuration keys.</summary>
    private static readonly HashSet<string> VerbOptions = new(StringComparer.OrdinalIgnoreCase) { "password" };

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        string? verb = null;
        string? configPath = null;
        var verbArgs = new List<string>();
        var configArgs = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--config")
            {
                if (i + 1 >= args.Count)
                {
                    throw new CommandLineException("--config needs a path");
                }

                configPath = args[++i];
                continue;
            }

            if (arg.StartsWith("--config=", StringComparison.Ordinal))
            {
                configPath = arg["--config=".Length..];
                continue;
            }

            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Contains('=', StringComparison.Ordinal)
                && !VerbOptions.Contains(arg[2..arg.IndexOf('=', StringComparison.Ordinal)]))
            {
                configArgs.Add(arg);
                continue;
            }

            if (verb is null && !arg.StartsWith('-'))
            {
                verb = arg;
                continue;
            }

            verbArgs.Add(arg);
        }

        return new CommandLine(verb, verbArgs, configPath, configArgs);
    }
}
