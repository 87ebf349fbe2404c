using Microsoft.Extensions.Logging;
using XmppServer.Protocol;

namespace XmppServer.Modules.Presence;

public sealed partial class PresenceModule
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 2200, EventName = "ProbeRefused", Level = LogLevel.Debug,
            Message = "Probe from {Prober} for {Jid} refused: not subscribed to the presence")]
        public static partial void ProbeRefused(ILogger logger, Jid prober, Jid jid);
    }
}
