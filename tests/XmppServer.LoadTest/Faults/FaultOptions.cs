using System.Globalization;
using XmppServer.LoadTest.Cli;
using static XmppServer.LoadTest.Cli.OptionValues;

namespace XmppServer.LoadTest.Faults;

/// <summary>The command line of the <c>faults</c> verb.</summary>
internal sealed record FaultOptions
{
    public const string Usage = """
        usage: XmppServer.LoadTest faults [options]

        Starts XmppServer (a Release build of this repository) as a child process with a throwaway data directory,
        puts a fault-injecting TCP proxy between it and --clients clients, and has the clients exchange --messages
        numbered messages while links are cut at random moments (around acknowledgements, inside stanzas, anywhere)
        and the server is restarted (SIGTERM) and killed (SIGKILL). Then it checks that every client got every message
        meant for it exactly once and in per-sender order, counting live, resumed, offline and archive deliveries.

          --messages N           numbered messages in all (default 100000)
          --clients N            clients, one account and one resource each (default 6)
          --rate N               messages per second in all (default 300)
          --cuts-per-minute N    link cuts per minute while messages are sent (default 240)
          --restarts LIST        server restarts, spread over the run: graceful and kill, comma-separated, or none
                                 (default graceful,kill)
          --drain S              after the last message, wait up to S seconds for everything to arrive (default 60)
          --timeout S            hard limit for the whole run (default: derived from the others)
          --seed N               random seed (default: random; printed in the report)
          --catch-up-margin S    archive catch-up starts S seconds before the last message seen (default 10)
          --window N             stanzas a client keeps unacknowledged at most (default 32)
          --server-dll PATH      the server to run (default: src/XmppServer/bin/Release/net10.0/XmppServer.dll above
                                 this tool's directory)
          --server-setting K=V   an extra server setting, e.g. Xmpp:Offline:MaxMessagesPerUser=5000 (repeatable)
          --keep                 keep the temporary directory (data, server.log)
          --trace                log every client step to clients.log and every stanza to server.log (implies --keep)
          --json PATH            also write the JSON report line to PATH
          --quiet                no progress lines on stderr
        """;

    public int Messages { get; init; } = 100_000;

    public int Clients { get; init; } = 6;

    public double Rate { get; init; } = 300;

    public double CutsPerMinute { get; init; } = 240;

    public IReadOnlyList<RestartKind> Restarts { get; init; } = [RestartKind.Graceful, RestartKind.Kill];

    public double Drain { get; init; } = 60;

    public double Timeout { get; init; }

    public int Seed { get; init; } = Random.Shared.Next();

    public double CatchUpMargin { get; init; } = 10;

    public int Window { get; init; } = 32;

    public string? ServerDll { get; init; }

    public IReadOnlyList<string> ServerSettings { get; init; } = [];

    public bool Keep { get; init; }

    public bool Trace { get; init; }

    public string? JsonPath { get; init; }

    public bool Quiet { get; init; }

    public string Domain { get; init; } = "localhost";

    public string UserPrefix { get; init; } = "fault";

    public string Password { get; init; } = "pass";

    /// <summary>The hard limit the run gets: --timeout, or the sending time plus restarts, drain and a margin.</summary>
    public TimeSpan EffectiveTimeout => TimeSpan.FromSeconds(Timeout > 0 ? Timeout : (Messages / Rate) + (Restarts.Count * 30) + Drain + 120);

    public static FaultOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        int? messages = null;
        int? clients = null;
        double? rate = null;
        double? cuts = null;
        IReadOnlyList<RestartKind>? restarts = null;
        double? drain = null;
        double? timeout = null;
        int? seed = null;
        double? margin = null;
        int? window = null;
        string? dll = null;
        var settings = new List<string>();
        var keep = false;
        var trace = false;
        string? json = null;
        var quiet = false;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value()
            {
                if (i + 1 >= args.Count)
                {
                    throw new OptionsException($"{name} needs a value");
                }

                return args[++i];
            }

            switch (name)
            {
                case "-h" or "--help" or "help": throw new OptionsException(Usage);
                case "--messages": messages = Int(name, Value(), 1, 100_000_000); break;
                case "--clients": clients = Int(name, Value(), 2, 1000); break;
                case "--rate": rate = Number(name, Value(), 0.1, 1_000_000); break;
                case "--cuts-per-minute": cuts = Number(name, Value(), 0, 60_000); break;
                case "--restarts": restarts = ParseRestarts(Value()); break;
                case "--drain": drain = Number(name, Value(), 1, 86_400); break;
                case "--timeout": timeout = Number(name, Value(), 1, 7 * 86_400); break;
                case "--seed": seed = Int(name, Value(), 0, int.MaxValue); break;
                case "--catch-up-margin": margin = Number(name, Value(), 0, 3600); break;
                case "--window": window = Int(name, Value(), 1, 10_000); break;
                case "--server-dll": dll = Value(); break;
                case "--server-setting":
                    var setting = Value();
                    if (!setting.Contains('=', StringComparison.Ordinal))
                    {
                        throw new OptionsException($"--server-setting {setting}: expected KEY=VALUE");
                    }

                    settings.Add("--" + setting);
                    break;
                case "--keep": keep = true; break;
                case "--trace": trace = keep = true; break;
                case "--json": json = Value(); break;
                case "--quiet": quiet = true; break;
                default: throw new OptionsException($"unknown option '{name}'\n\n{Usage}");
            }
        }

        var defaults = new FaultOptions();
        return new FaultOptions
        {
            Messages = messages ?? defaults.Messages,
            Clients = clients ?? defaults.Clients,
            Rate = rate ?? defaults.Rate,
            CutsPerMinute = cuts ?? defaults.CutsPerMinute,
            Restarts = restarts ?? defaults.Restarts,
            Drain = drain ?? defaults.Drain,
            Timeout = timeout ?? 0,
            Seed = seed ?? defaults.Seed,
            CatchUpMargin = margin ?? defaults.CatchUpMargin,
            Window = window ?? defaults.Window,
            ServerDll = dll,
            ServerSettings = settings,
            Keep = keep,
            Trace = trace,
            JsonPath = json,
            Quiet = quiet,
        };
    }

    /// <summary>--server-dll, or the Release build of the server in the repository this tool was built from.</summary>
    public string ResolveServerDll()
    {
        if (ServerDll is not null)
        {
            return File.Exists(ServerDll) ? Path.GetFullPath(ServerDll) : throw new OptionsException($"--server-dll {ServerDll}: no such file");
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "XmppServer.sln")))
            {
                var dll = Path.Combine(directory.FullName, "src", "XmppServer", "bin", "Release", "net10.0", "XmppServer.dll");
                return File.Exists(dll)
                    ? dll
                    : throw new OptionsException($"no Release build of the server at {dll}: run 'dotnet build -c Release src/XmppServer' or give --server-dll");
            }
        }

        throw new OptionsException("cannot find the repository's server build; give --server-dll");
    }

    internal static IReadOnlyList<RestartKind> ParseRestarts(string value)
    {
        if (value is "none" or "")
        {
            return [];
        }

        var list = new List<RestartKind>();
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            list.Add(part switch
            {
                "graceful" or "term" => RestartKind.Graceful,
                "kill" or "kill9" => RestartKind.Kill,
                _ => throw new OptionsException($"--restarts {value}: each one is graceful or kill"),
            });
        }

        return list;
    }
}

/// <summary>How the server is restarted.</summary>
internal enum RestartKind
{
    /// <summary>SIGTERM: the host's graceful shutdown.</summary>
    Graceful,

    /// <summary>SIGKILL: gone at once.</summary>
    Kill,
}
