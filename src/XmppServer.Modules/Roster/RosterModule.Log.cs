using Microsoft.Extensions.Logging;
using XmppServer.Protocol;

namespace XmppServer.Modules.Roster;

public sealed partial class RosterModule
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 2100, EventName = "RosterFull", Level = LogLevel.Information,
            Message = "The roster of {Jid} is full ({MaxItems} items or pending requests); the change was refused")]
        public static partial void RosterFull(ILogger logger, Jid jid, int maxItems);

        [LoggerMessage(EventId = 2101, EventName = "SubscriptionNotRouted", Level = LogLevel.Debug,
            Message = "Outbound presence type {Type} from {Jid} to {Contact} changes nothing and is not routed")]
        public static partial void SubscriptionNotRouted(ILogger logger, string type, Jid jid, Jid contact);

        [LoggerMessage(EventId = 2102, EventName = "SubscriptionDropped", Level = LogLevel.Debug,
            Message = "Inbound presence type {Type} from {Contact} to {Jid} changes nothing and is dropped")]
        public static partial void SubscriptionDropped(ILogger logger, string type, Jid contact, Jid jid);

        [LoggerMessage(EventId = 2103, EventName = "SubscriptionRateLimited", Level = LogLevel.Warning,
            Message = "{Jid} sent more than {PerMinute} subscription requests in a minute; the request was refused")]
        public static partial void SubscriptionRateLimited(ILogger logger, Jid jid, int perMinute);
    }
}
