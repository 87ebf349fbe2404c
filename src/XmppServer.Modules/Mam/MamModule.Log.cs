using Microsoft.Extensions.Logging;
using XmppServer.Protocol;

namespace XmppServer.Modules.Mam;

public sealed partial class MamModule
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 2600, EventName = "MamArchiveFailed", Level = LogLevel.Error,
            Message = "Could not archive a message for {Jid}; it is delivered without an archive id")]
        public static partial void ArchiveFailed(ILogger logger, Jid jid, Exception exception);

        [LoggerMessage(EventId = 2601, EventName = "MamNotArchived", Level = LogLevel.Debug,
            Message = "A message of {Jid} was not archived: the user's preferences exclude it")]
        public static partial void NotArchived(ILogger logger, Jid jid);

        [LoggerMessage(EventId = 2602, EventName = "MamRetentionApplied", Level = LogLevel.Information,
            Message = "Removed {Count} archived messages older than {Days} days")]
        public static partial void RetentionApplied(ILogger logger, int count, int days);

        [LoggerMessage(EventId = 2603, EventName = "MamArchiveDeleted", Level = LogLevel.Debug,
            Message = "Deleted the archive of the deleted account {Jid}")]
        public static partial void ArchiveDeleted(ILogger logger, Jid jid);

        [LoggerMessage(EventId = 2604, EventName = "MamQueryAnswered", Level = LogLevel.Debug,
            Message = "Answered an archive query of {Jid} with {Count} messages")]
        public static partial void QueryAnswered(ILogger logger, Jid jid, int count);
    }
}
