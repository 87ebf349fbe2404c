using System.Globalization;
using XmppServer.LoadTest;
using XmppServer.LoadTest.Cli;
using XmppServer.LoadTest.Faults;
using XmppServer.LoadTest.Workers;

if (args.Length >= 3 && args[0] == WorkerPool.WorkerVerb)
{
    return await WorkerMain.RunAsync(
        int.Parse(args[1], CultureInfo.InvariantCulture),
        int.Parse(args[2], CultureInfo.InvariantCulture),
        args[3..]);
}

if (args.Length >= 1 && args[0] == FaultCommand.Verb)
{
    return await FaultCommand.RunAsync(args[1..]);
}

LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (OptionsException e)
{
    await Console.Error.WriteLineAsync(e.Message);
    return args.Length == 0 || args[0] is "-h" or "--help" or "help" ? 0 : 2;
}

return await Coordinator.RunAsync(options);
