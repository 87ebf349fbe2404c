namespace XmppServer.LoadTest.Workers;

/// <summary>Message types (worker to coordinator) and commands (coordinator to worker) of the worker protocol.</summary>
internal static class MessageTypes
{
    public const string Started = "started";
    public const string Ready = "ready";
    public const string Progress = "progress";
    public const string Phase = "phase";
    public const string Result = "result";
    public const string Error = "error";

    public const string Begin = "begin";
    public const string Go = "go";
    public const string Stop = "stop";
}
