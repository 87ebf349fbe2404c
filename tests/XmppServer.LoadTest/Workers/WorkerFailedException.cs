namespace XmppServer.LoadTest.Workers;

/// <summary>A worker reported an error or exited before finishing its part.</summary>
internal sealed class WorkerFailedException : Exception
{
    public WorkerFailedException()
    {
    }

    public WorkerFailedException(string message)
        : base(message)
    {
    }

    public WorkerFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
