using XmppServer.LoadTest.Workers;

namespace XmppServer.LoadTest.Scenarios;

/// <summary>A load scenario: a worker half (runs in every worker process on its slice of the users) and a
/// coordinator half (phases the workers, aggregates their messages, fills the report).</summary>
internal abstract class Scenario
{
    protected static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    public static Scenario Create(string name) => name switch
    {
        "idle" => new IdleScenario(),
        "login" => new LoginScenario(),
        "chat" => new ChatScenario(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown scenario"),
    };

    public abstract Task RunWorkerAsync(WorkerContext context, CancellationToken cancellationToken);

    public abstract Task RunCoordinatorAsync(CoordinatorContext context, CancellationToken cancellationToken);

    /// <summary>The scenario's part of the periodic progress line.</summary>
    public abstract string Status(WorkerPool pool);
}
