using System.Globalization;
using System.Net;
using XmppServer.LoadTest.Client;
using static XmppServer.LoadTest.Cli.OptionValues;

namespace XmppServer.LoadTest.Cli;

/// <summary>The command line of a run. Workers get the same arguments, so every process agrees on them.</summary>
internal sealed class LoadOptions
{
    /// <summary>A worker process holds at most this many connections: the open-file limit here is 20,000 and the
    /// runtime needs some descriptors of its own.</summary>
    public const int MaxConnectionsPerWorker = 19_500;

    /// <summary>Connections per worker when --workers is not given.</summary>
    public const int DefaultConnectionsPerWorker = 15_000;

    public const string Usage = """
        usage: XmppServer.LoadTest SCENARIO [options]

        scenarios
          idle    hold --users authenticated sessions (opened at --ramp per second), answer server pings, then ping the
                  server from --ping-sample clients (round trip p50/p99/max) and hold for --duration seconds
          login   log in at --rate per second for --duration seconds (time from connect to bind result); clients
                  disconnect after login unless --stay
          chat    --users online users in pairs send 1:1 chat messages at --rate per second in total for --duration
                  seconds; end-to-end latency, delivered, lost (after --drain seconds), duplicates
          faults  exactly-once, in-order delivery through cut links and server restarts (see 'faults --help')

        target (loopback only)
          --host ADDR            127.0.0.0/8, ::1 or localhost (default 127.0.0.1)
          --port N               c2s port (default 5222; the direct TLS port with --direct-tls)
          --domain NAME          XMPP domain (default localhost)
          --user-prefix P        accounts are P1..PN (default user)
          --first N              number of the first account (default 1)
          --users N              accounts/sessions (idle default 1000, login 1000, chat 200)
          --password S           password of every account (default pass)
          --server-pid PID       sample this process's RSS and CPU time from /proc

        negotiation
          --direct-tls           XEP-0368 direct TLS instead of STARTTLS
          --ca PATH              trust the certificates in this PEM file
          --insecure             accept any server certificate
          --mech M               SCRAM-SHA-1 (default), SCRAM-SHA-256 or PLAIN
          --session              send the legacy session IQ even when advertised as optional
          --resource P           resource prefix (default load)

        load
          --ramp N               new sessions per second for idle/chat (default 200)
          --rate N               logins/s (login, default 50) or messages/s in total (chat, default 500)
          --duration S           hold/measure time in seconds (idle 10, login 20, chat 20)
          --drain S              chat: wait up to S seconds for messages in flight (default 5)
          --stay                 login: keep sessions open until the end
          --ping-sample N        idle: clients that ping the server (default: all)
          --ping-rate N          idle: pings per second (default 1000)
          --login-timeout S      a login not bound after S seconds fails (default 30)
          --max-pending N        logins in progress at once, per worker (default 500)

        processes and limits
          --workers N            worker processes (default: one per 15,000 connections)
          --sources N            loopback source addresses 127.0.0.1..127.0.0.N (default 4)
          --timeout S            hard limit for the whole run (default: derived from the load)
          --sample-interval S    server/tool sampling period (default 1)
          --no-warmup            skip each worker's login/ping/logout before the measurements (its JIT warm-up)
          --json PATH            also write the JSON report line to PATH
          --quiet                no progress lines on stderr
        """;

    private static readonly string[] Scenarios = ["idle", "login", "chat"];

    public required string Scenario { get; init; }

    public required IReadOnlyList<string> Arguments { get; init; }

    public string Host { get; private set; } = "127.0.0.1";

    public IPAddress Address { get; private set; } = IPAddress.Loopback;

    public int Port { get; private set; } = 5222;

    public string Domain { get; private set; } = "localhost";

    public string UserPrefix { get; private set; } = "user";

    public int First { get; private set; } = 1;

    public int Users { get; private set; }

    public string Password { get; private set; } = "pass";

    public int? ServerPid { get; private set; }

    public bool DirectTls { get; private set; }

    public string? CaPath { get; private set; }

    public bool Insecure { get; private set; }

    public SaslMechanism Mechanism { get; private set; } = SaslMechanism.ScramSha1;

    public bool ForceSession { get; private set; }

    public string ResourcePrefix { get; private set; } = "load";

    public double Ramp { get; private set; } = 200;

    public double Rate { get; private set; }

    public double Duration { get; private set; }

    public double Drain { get; private set; } = 5;

    public bool Stay { get; private set; }

    public int? PingSample { get; private set; }

    public double PingRate { get; private set; } = 1000;

    public double LoginTimeout { get; private set; } = 30;

    public int MaxPending { get; private set; } = 500;

    public int Workers { get; private set; }

    public int Sources { get; private set; } = 4;

    public double Timeout { get; private set; }

    public double SampleInterval { get; private set; } = 1;

    public string? JsonPath { get; private set; }

    public bool Quiet { get; private set; }

    public bool NoWarmup { get; private set; }

    /// <summary>Connections open at the same time, at most (what must fit the workers' descriptor limits).</summary>
    public long PeakConnections => Scenario switch
    {
        // Without --stay a login holds its connection only while it is in progress (at most --max-pending).
        "login" => Stay ? (long)Math.Ceiling(Rate * Duration) : Math.Min(MaxPending, (long)Math.Ceiling(Rate * Duration)),
        _ => Users,
    };

    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || args[0] is "-h" or "--help" or "help")
        {
            throw new OptionsException(Usage);
        }

        var scenario = args[0];
        if (!Scenarios.Contains(scenario))
        {
            throw new OptionsException($"unknown scenario '{scenario}' (idle, login or chat)\n\n{Usage}");
        }

        var o = new LoadOptions { Scenario = scenario, Arguments = [.. args] };
        int? users = null;
        double? rate = null;
        double? duration = null;
        int? workers = null;
        double? timeout = null;
        for (var i = 1; i < args.Count; i++)
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
                case "--host": o.Host = Value(); break;
                case "--port": o.Port = Int(name, Value(), 1, 65535); break;
                case "--domain": o.Domain = Value(); break;
                case "--user-prefix": o.UserPrefix = Value(); break;
                case "--first": o.First = Int(name, Value(), 0, int.MaxValue / 2); break;
                case "--users": users = Int(name, Value(), 1, 10_000_000); break;
                case "--password": o.Password = Value(); break;
                case "--server-pid": o.ServerPid = Int(name, Value(), 1, int.MaxValue); break;
                case "--direct-tls": o.DirectTls = true; break;
                case "--ca": o.CaPath = Value(); break;
                case "--insecure": o.Insecure = true; break;
                case "--mech": o.Mechanism = ParseMechanism(Value()); break;
                case "--session": o.ForceSession = true; break;
                case "--resource": o.ResourcePrefix = Value(); break;
                case "--ramp": o.Ramp = Number(name, Value(), 0.1, 1_000_000); break;
                case "--rate": rate = Number(name, Value(), 0.1, 10_000_000); break;
                case "--duration": duration = Number(name, Value(), 0, 86_400); break;
                case "--drain": o.Drain = Number(name, Value(), 0, 3600); break;
                case "--stay": o.Stay = true; break;
                case "--ping-sample": o.PingSample = Int(name, Value(), 0, 10_000_000); break;
                case "--ping-rate": o.PingRate = Number(name, Value(), 0.1, 10_000_000); break;
                case "--login-timeout": o.LoginTimeout = Number(name, Value(), 0.1, 3600); break;
                case "--max-pending": o.MaxPending = Int(name, Value(), 1, 100_000); break;
                case "--workers": workers = Int(name, Value(), 1, 64); break;
                case "--sources": o.Sources = Int(name, Value(), 1, 254); break;
                case "--timeout": timeout = Number(name, Value(), 1, 7 * 86_400); break;
                case "--sample-interval": o.SampleInterval = Number(name, Value(), 0.1, 60); break;
                case "--json": o.JsonPath = Value(); break;
                case "--quiet": o.Quiet = true; break;
                case "--no-warmup": o.NoWarmup = true; break;
                default: throw new OptionsException($"unknown option '{name}'\n\n{Usage}");
            }
        }

        o.Address = ResolveLoopback(o.Host);
        if (o.CaPath is not null && o.Insecure)
        {
            throw new OptionsException("--ca and --insecure exclude each other");
        }

        if (o.Address.Equals(IPAddress.IPv6Loopback))
        {
            // ::1 is the only IPv6 loopback address: there is no range of source addresses.
            o.Sources = 1;
        }

        switch (scenario)
        {
            case "idle":
                o.Users = users ?? 1000;
                o.Duration = duration ?? 10;
                break;
            case "login":
                o.Users = users ?? 1000;
                o.Rate = rate ?? 50;
                o.Duration = duration ?? 20;
                break;
            case "chat":
                o.Users = users ?? 200;
                o.Rate = rate ?? 500;
                o.Duration = duration ?? 20;
                if (o.Users < 2 || o.Users % 2 != 0)
                {
                    throw new OptionsException("chat needs an even number of --users (they talk in pairs)");
                }

                break;
        }

        o.Workers = workers ?? (int)Math.Max(1, Math.Ceiling((double)o.PeakConnections / DefaultConnectionsPerWorker));
        if (o.Scenario != "login" && o.Workers > o.Users)
        {
            throw new OptionsException($"--workers {o.Workers} is more than --users {o.Users}");
        }

        var perWorker = Math.Ceiling((double)o.PeakConnections / o.Workers);
        if (perWorker > MaxConnectionsPerWorker)
        {
            throw new OptionsException(
                $"{perWorker} connections per worker exceed the {MaxConnectionsPerWorker} a process can hold; use --workers {Math.Ceiling((double)o.PeakConnections / MaxConnectionsPerWorker)} or more");
        }

        o.Timeout = timeout ?? o.DefaultTimeout();
        return o;
    }

    public IReadOnlyList<IPAddress> SourceAddresses()
    {
        if (Address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            return [];
        }

        var list = new List<IPAddress>(Sources);
        for (var i = 1; i <= Sources; i++)
        {
            list.Add(new IPAddress([127, 0, 0, (byte)i]));
        }

        return list;
    }

    public ClientSettings ClientSettings() => new()
    {
        Server = new IPEndPoint(Address, Port),
        Domain = Domain,
        UserPrefix = UserPrefix,
        Password = Password,
        ResourcePrefix = ResourcePrefix,
        DirectTls = DirectTls,
        Mechanism = Mechanism,
        ForceSession = ForceSession,
        Trust = Insecure ? CertificateTrust.Insecure : CaPath is null ? CertificateTrust.System : CertificateTrust.FromPemFile(CaPath),
        SourceAddresses = SourceAddresses(),
    };

    /// <summary>Only loopback targets: this tool opens tens of thousands of connections and must not aim them at
    /// another machine.</summary>
    internal static IPAddress ResolveLoopback(string host)
    {
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }

        if (!IPAddress.TryParse(host, out var address))
        {
            throw new OptionsException($"--host {host}: give 127.0.0.0/8, ::1 or localhost (names are not resolved)");
        }

        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && address.GetAddressBytes()[0] == 127)
        {
            return address;
        }

        if (address.Equals(IPAddress.IPv6Loopback))
        {
            return address;
        }

        throw new OptionsException($"--host {host} is not a loopback address; this tool only loads servers on this machine");
    }

    private double DefaultTimeout()
    {
        var slack = 60 + LoginTimeout;
        return Scenario switch
        {
            "idle" => (Users / Ramp) + ((PingSample ?? Users) / PingRate) + Duration + slack,
            "login" => Duration + slack,
            _ => (Users / Ramp) + Duration + Drain + slack,
        };
    }

    private static SaslMechanism ParseMechanism(string value) => value.ToUpperInvariant() switch
    {
        "SCRAM-SHA-1" => SaslMechanism.ScramSha1,
        "SCRAM-SHA-256" => SaslMechanism.ScramSha256,
        "PLAIN" => SaslMechanism.Plain,
        _ => throw new OptionsException($"--mech {value}: SCRAM-SHA-1, SCRAM-SHA-256 or PLAIN"),
    };
}
