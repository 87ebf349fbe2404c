using Microsoft.Extensions.Logging;
using XmppServer.Protocol;

namespace XmppServer.Modules.Offline;

internal static partial class Log
{
    [LoggerMessage(EventId = 2300, EventName = "OfflineMessageStored", Level = LogLevel.Debug,
        Message = "Stored an offline message for {Jid}")]
    public static partial void MessageStored(ILogger logger, Jid jid);

    [LoggerMessage(EventId = 2301, EventName = "OfflineMessageDropped", Level = LogLevel.Debug,
        Message = "Dropped an undeliverable message for {Jid}: nothing in it is worth storing")]
    public static partial void MessageDropped(ILogger logger, Jid jid);

    [LoggerMessage(EventId = 2302, EventName = "OfflineStorageFull", Level = LogLevel.Information,
        Message = "Offline storage of {Jid} is full ({Max} messages); the message was bounced")]
    public static partial void StorageFull(ILogger logger, Jid jid, int max);

    [LoggerMessage(EventId = 2303, EventName = "OfflineStoreFailed", Level = LogLevel.Error,
        Message = "Could not store an offline message for {Jid}; the sender is told it was not delivered")]
    public static partial void StoreFailed(ILogger logger, Jid jid, Exception exception);

    [LoggerMessage(EventId = 2304, EventName = "OfflineMessagesDelivered", Level = LogLevel.Debug,
        Message = "Delivered {Delivered} of {Stored} offline messages to {Jid}")]
    public static partial void MessagesDelivered(ILogger logger, Jid jid, int delivered, int stored);

    [LoggerMessage(EventId = 2305, EventName = "OfflineMessagesDeleted", Level = LogLevel.Debug,
        Message = "Deleted the offline messages of the deleted account {Jid}")]
    public static partial void MessagesDeleted(ILogger logger, Jid jid);
}
