namespace XmppServer.Cli;

/// <summary>Process exit codes of the command-line verbs.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The command was understood but failed (bad JID, unknown domain, no such user, ...).</summary>
    public const int Error = 1;

    /// <summary>The command line itself is wrong; the usage was printed.</summary>
    public const int Usage = 2;
}
