namespace XmppServer.LoadTest.Cli;

/// <summary>The command line is wrong; the message says how.</summary>
internal sealed class OptionsException : Exception
{
    public OptionsException()
    {
    }

    public OptionsException(string message)
        : base(message)
    {
    }

    public OptionsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
