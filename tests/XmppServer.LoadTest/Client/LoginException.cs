namespace XmppServer.LoadTest.Client;

internal sealed class LoginException : Exception
{
    public LoginException()
    {
    }

    public LoginException(string message)
        : base(message)
    {
    }

    public LoginException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public LoginException(LoginFailure failure, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Failure = failure;
    }

    public LoginFailure Failure { get; } = LoginFailure.Protocol;
}
