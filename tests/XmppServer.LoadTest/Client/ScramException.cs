namespace XmppServer.LoadTest.Client;

/// <summary>The server's SCRAM messages were malformed or did not prove knowledge of the password.</summary>
internal sealed class ScramException : Exception
{
    public ScramException()
    {
    }

    public ScramException(string message)
        : base(message)
    {
    }

    public ScramException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
