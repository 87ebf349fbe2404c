using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using XmppServer.Core.Accounts;
using XmppServer.Protocol;
using XmppServer.Storage.Sqlite;

namespace XmppServer.Cli;

/// <summary>
/// The <c>user</c> verbs: account management from the command line. They work beside a running server because both
/// use the same SQLite file in WAL mode, and SQLite serialises the writers.
/// </summary>
internal static class UserCommand
{
    public const string Usage = """
        usage:
          XmppServer user add JID [--password P]
          XmppServer user passwd JID [--password P]
          XmppServer user delete JID
          XmppServer user list DOMAIN
          XmppServer user add-many DOMAIN PREFIX COUNT --password P

        Without --password, add and passwd read the password from the first line of standard input when it is
        redirected, and otherwise prompt for it without echo. add-many creates PREFIX1 .. PREFIXCOUNT, all with the
        same password, and skips the ones that exist.
        """;

    /// <summary>The most accounts add-many creates in one run; they are built in memory and written in one transaction.</summary>
    public const int MaxAddManyCount = 1_000_000;

    private const string PasswordOption = "--password";

    private const string InvalidPasswordMessage = "the password is empty or contains characters that are not allowed";

    /// <summary>Runs a <c>user</c> verb; <paramref name="args"/> is what follows "user". Returns the exit code.</summary>
    public static async Task<int> RunAsync(
        IReadOnlyList<string> args,
        IServiceProvider services,
        TextReader input,
        TextWriter output,
        TextWriter error,
        bool inputIsRedirected,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);

        if (args.Count == 1 && args[0] is "help" or "--help" or "-h")
        {
            await output.WriteLineAsync(Usage);
            return ExitCodes.Success;
        }

        if (!TryParse(args, out var command, out var problem))
        {
            if (problem is not null)
            {
                await error.WriteLineAsync("error: " + problem);
            }

            await error.WriteLineAsync(Usage);
            return ExitCodes.Usage;
        }

        try
        {
            // The CLI may run before the server ever started on this data directory, or after an upgrade.
            await services.GetRequiredService<SqliteDatabase>().MigrateAsync(cancellationToken);
            var accounts = services.GetRequiredService<AccountManager>();
            var context = new Context(accounts, input, output, error, inputIsRedirected, cancellationToken);
            return command.Verb switch
            {
                "add" => await AddAsync(context, command),
                "passwd" => await PasswdAsync(context, command),
                "delete" => await DeleteAsync(context, command),
                "list" => await ListAsync(context, command),
                "add-many" => await AddManyAsync(context, command),
                _ => throw new UnreachableException(),
            };
        }
        catch (DbException exception)
        {
            // For example the database is locked by a long write of the server beyond the busy timeout.
            await error.WriteLineAsync("error: database: " + exception.Message);
            return ExitCodes.Error;
        }
    }

    private static async Task<int> AddAsync(Context context, ParsedCommand command)
    {
        if (!Jid.TryParse(command.Arguments[0], out var user))
        {
            return await FailAsync(context, InvalidJidMessage(command.Arguments[0]));
        }

        // Cheap checks first, so nobody types a password for an account that cannot be created.
        if (!IsAccountJid(user))
        {
            return await FailAsync(context, NotAnAccountMessage(command.Arguments[0]));
        }

        if (!context.Accounts.ServesDomain(user.Domain))
        {
            return await FailAsync(context, UnknownDomainMessage(user.Domain));
        }

        if (await context.Accounts.ExistsAsync(user, context.CancellationToken))
        {
            return await FailAsync(context, ExistsMessage(user));
        }

        var password = await GetPasswordAsync(context, command.Password);
        if (password.Problem is not null)
        {
            return await FailAsync(context, password.Problem);
        }

        var result = await context.Accounts.CreateAsync(user, password.Value, context.CancellationToken);
        return await ReportAsync(context, result, command.Arguments[0], user, $"created {user}");
    }

    private static async Task<int> PasswdAsync(Context context, ParsedCommand command)
    {
        if (!Jid.TryParse(command.Arguments[0], out var user))
        {
            return await FailAsync(context, InvalidJidMessage(command.Arguments[0]));
        }

        if (!IsAccountJid(user))
        {
            return await FailAsync(context, NotAnAccountMessage(command.Arguments[0]));
        }

        if (!await context.Accounts.ExistsAsync(user, context.CancellationToken))
        {
            return await FailAsync(context, NotFoundMessage(user));
        }

        var password = await GetPasswordAsync(context, command.Password);
        if (password.Problem is not null)
        {
            return await FailAsync(context, password.Problem);
        }

        var result = await context.Accounts.SetPasswordAsync(user, password.Value, context.CancellationToken);
        return await ReportAsync(context, result, command.Arguments[0], user, $"password of {user} changed");
    }

    private static async Task<int> DeleteAsync(Context context, ParsedCommand command)
    {
        if (!Jid.TryParse(command.Arguments[0], out var user))
        {
            return await FailAsync(context, InvalidJidMessage(command.Arguments[0]));
        }

        var result = await context.Accounts.DeleteAsync(user, context.CancellationToken);
        return await ReportAsync(context, result, command.Arguments[0], user, $"deleted {user}");
    }

    private static async Task<int> ListAsync(Context context, ParsedCommand command)
    {
        var domain = command.Arguments[0];
        if (JidPrep.PrepareDomain(domain) is null)
        {
            return await FailAsync(context, $"'{domain}' is not a valid domain");
        }

        if (!context.Accounts.ServesDomain(domain))
        {
            return await FailAsync(context, UnknownDomainMessage(domain));
        }

        var users = await context.Accounts.ListAsync(domain, context.CancellationToken);
        var text = new StringBuilder();
        foreach (var user in users)
        {
            text.AppendLine(user.ToString());
        }

        await context.Output.WriteAsync(text, context.CancellationToken);
        return ExitCodes.Success;
    }

    private static async Task<int> AddManyAsync(Context context, ParsedCommand command)
    {
        var (domain, prefix, countText) = (command.Arguments[0], command.Arguments[1], command.Arguments[2]);
        if (JidPrep.PrepareDomain(domain) is null)
        {
            return await FailAsync(context, $"'{domain}' is not a valid domain");
        }

        if (!context.Accounts.ServesDomain(domain))
        {
            return await FailAsync(context, UnknownDomainMessage(domain));
        }

        // add-many is for scripted load tests: the password is always given on the command line.
        if (command.Password is null)
        {
            return await FailAsync(context, "add-many needs --password P");
        }

        var count = int.Parse(countText, NumberStyles.None, CultureInfo.InvariantCulture);
        var started = Stopwatch.GetTimestamp();
        var (result, created) = await context.Accounts.CreateManyAsync(domain, prefix, count, command.Password, context.CancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(started);
        return result switch
        {
            AccountResult.Success => await SucceedAsync(context, string.Create(
                CultureInfo.InvariantCulture,
                $"created {created} of {count} accounts on {JidPrep.PrepareDomain(domain)} ({count - created} existed already) in {elapsed.TotalSeconds:0.00} s")),
            AccountResult.InvalidJid => await FailAsync(context, $"'{prefix}' followed by a number is not a valid localpart"),
            AccountResult.InvalidPassword => await FailAsync(context, InvalidPasswordMessage),
            _ => await FailAsync(context, UnknownDomainMessage(domain)),
        };
    }

    // RFC 7622 §3.3: an account is localpart@domain without a resource; the manager re-checks, this only answers early.
    private static bool IsAccountJid(Jid user) => user.IsBare && user.Local is not null;

    private static async Task<int> ReportAsync(Context context, AccountResult result, string text, Jid user, string success)
        => result switch
        {
            AccountResult.Success => await SucceedAsync(context, success),
            AccountResult.InvalidJid => await FailAsync(context, NotAnAccountMessage(text)),
            AccountResult.UnknownDomain => await FailAsync(context, UnknownDomainMessage(user.Domain)),
            AccountResult.InvalidPassword => await FailAsync(context, InvalidPasswordMessage),
            AccountResult.Exists => await FailAsync(context, ExistsMessage(user)),
            AccountResult.NotFound => await FailAsync(context, NotFoundMessage(user)),
            _ => throw new UnreachableException(),
        };

    private static async Task<(string Value, string? Problem)> GetPasswordAsync(Context context, string? option)
    {
        string? password;
        if (option is not null)
        {
            password = option;
        }
        else if (context.InputIsRedirected)
        {
            // Scripts pipe the password in, so it never shows in the process list or the shell history.
            password = await context.Input.ReadLineAsync(context.CancellationToken);
            if (password is null)
            {
                return (string.Empty, "no password given: use --password P or write it on standard input");
            }
        }
        else
        {
            // Typed blind, so asked twice (as passwd(1) does): a typo would otherwise lock the user out.
            password = ReadHidden(context.Error, "Password: ");
            if (password.Length > 0 && ReadHidden(context.Error, "Repeat password: ") != password)
            {
                return (string.Empty, "the passwords do not match");
            }
        }

        return password.Length == 0 ? (string.Empty, "the password is empty") : (password, null);
    }

    /// <summary>Reads a line from the console without echoing it.</summary>
    private static string ReadHidden(TextWriter prompt, string text)
    {
        prompt.Write(text);
        prompt.Flush();
        var password = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (password.Length > 0)
                {
                    password.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                password.Append(key.KeyChar);
            }
        }

        prompt.WriteLine();
        return password.ToString();
    }

    private static bool TryParse(IReadOnlyList<string> args, out ParsedCommand command, out string? problem)
    {
        command = default;
        problem = null;
        if (args.Count == 0)
        {
            return false;
        }

        var verb = args[0];
        var (arity, takesPassword) = verb switch
        {
            "add" or "passwd" => (1, true),
            "delete" or "list" => (1, false),
            "add-many" => (3, true),
            _ => (-1, false),
        };
        if (arity < 0)
        {
            problem = $"unknown user command '{verb}'";
            return false;
        }

        var arguments = new List<string>(arity);
        string? password = null;
        for (var i = 1; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == PasswordOption || arg.StartsWith(PasswordOption + "=", StringComparison.Ordinal))
            {
                if (!takesPassword)
                {
                    problem = $"'user {verb}' takes no password";
                    return false;
                }

                if (password is not null)
                {
                    problem = "--password is given twice";
                    return false;
                }

                if (arg.Length > PasswordOption.Length)
                {
                    password = arg[(PasswordOption.Length + 1)..];
                }
                else if (i + 1 < args.Count)
                {
                    password = args[++i];
                }
                else
                {
                    problem = "--password needs a value";
                    return false;
                }
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                problem = $"unknown option '{arg}'";
                return false;
            }
            else
            {
                arguments.Add(arg);
            }
        }

        if (arguments.Count != arity)
        {
            problem = $"'user {verb}' takes {arity} argument{(arity == 1 ? string.Empty : "s")}";
            return false;
        }

        if (verb == "add-many" &&
            (!int.TryParse(arguments[2], NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 1 || count > MaxAddManyCount))
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"COUNT must be a whole number from 1 to {MaxAddManyCount}");
            return false;
        }

        command = new ParsedCommand(verb, arguments, password);
        return true;
    }

    private static string InvalidJidMessage(string text) => $"'{text}' is not a valid JID";

    private static string NotAnAccountMessage(string text) => $"'{text}' is not a valid JID for an account: expected user@domain, without a resource";

    private static string ExistsMessage(Jid user) => $"user '{user}' already exists";

    private static string NotFoundMessage(Jid user) => $"no such user '{user}'";

    private static string UnknownDomainMessage(string domain) => $"domain '{domain}' is not served by this server (Xmpp:Domains)";

    private static async Task<int> FailAsync(Context context, string message)
    {
        await context.Error.WriteLineAsync("error: " + message);
        return ExitCodes.Error;
    }

    private static async Task<int> SucceedAsync(Context context, string message)
    {
        await context.Output.WriteLineAsync(message);
        return ExitCodes.Success;
    }

    private readonly record struct ParsedCommand(string Verb, IReadOnlyList<string> Arguments, string? Password);

    private sealed record Context(
        AccountManager Accounts,
        TextReader Input,
        TextWriter Output,
        TextWriter Error,
        bool InputIsRedirected,
        CancellationToken CancellationToken);
}
