using Microsoft.Extensions.Logging;
using XmppServer.Protocol;

namespace XmppServer.Core.Accounts;

// Event ids 1100-1119: account management. Never log a password or anything derived from one.
public sealed partial class AccountManager
{
    [LoggerMessage(EventId = 1100, EventName = "UserCreated", Level = LogLevel.Information, Message = "Account {Jid} created")]
    private static partial void LogUserCreated(ILogger logger, Jid jid);

    [LoggerMessage(EventId = 1101, EventName = "UsersCreated", Level = LogLevel.Information,
        Message = "{Count} accounts created on {Domain} in {ElapsedMilliseconds} ms")]
    private static partial void LogUsersCreated(ILogger logger, int count, string domain, long elapsedMilliseconds);

    [LoggerMessage(EventId = 1102, EventName = "PasswordChanged", Level = LogLevel.Information, Message = "Password of {Jid} changed")]
    private static partial void LogPasswordChanged(ILogger logger, Jid jid);

    [LoggerMessage(EventId = 1103, EventName = "UserDeleted", Level = LogLevel.Information, Message = "Account {Jid} deleted")]
    private static partial void LogUserDeleted(ILogger logger, Jid jid);
}
