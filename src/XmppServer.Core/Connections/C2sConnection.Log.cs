using Microsoft.Extensions.Logging;

namespace XmppServer.Core.Connections;

internal sealed partial class C2sConnection
{
    // Event ids 200-299 belong to client connections.
    private static partial class Log
    {
        [LoggerMessage(200, LogLevel.Information, "Connection {ConnectionId} accepted from {RemoteEndPoint} (direct TLS: {DirectTls})", EventName = "ConnectionAccepted")]
        public static partial void ConnectionAccepted(ILogger logger, string connectionId, string remoteEndPoint, bool directTls);

        [LoggerMessage(201, LogLevel.Debug, "Connection {ConnectionId} negotiated {Protocol} with {CipherSuite}", EventName = "TlsEstablished")]
        public static partial void TlsEstablished(ILogger logger, string connectionId, string protocol, string cipherSuite);

        [LoggerMessage(202, LogLevel.Information, "Connection {ConnectionId} TLS handshake failed: {Reason}", EventName = "TlsFailed")]
        public static partial void TlsFailed(ILogger logger, string connectionId, string reason);

        [LoggerMessage(218, LogLevel.Information, "TLS record buffers stay allocated for each connection's life: this platform's TLS stream does not let OpenSSL release them", EventName = "TlsBuffersKept")]
        public static partial void TlsBuffersKept(ILogger logger);

        [LoggerMessage(203, LogLevel.Information, "Connection {ConnectionId} authenticated as {Jid} with {Mechanism}", EventName = "Authenticated")]
        public static partial void Authenticated(ILogger logger, string connectionId, string jid, string mechanism);

        // The wording up to the address is a stable interface: fail2ban filters match it (README, "Banning guessers").
        [LoggerMessage(204, LogLevel.Warning, "Authentication failed for {User} from {RemoteAddress} (connection {ConnectionId}, {Mechanism})", EventName = "AuthenticationFailed")]
        public static partial void AuthenticationFailed(ILogger logger, string user, string remoteAddress, string connectionId, string mechanism);

        [LoggerMessage(205, LogLevel.Information, "Connection {ConnectionId} bound {Jid}", EventName = "SessionBound")]
        public static partial void SessionBound(ILogger logger, string connectionId, string jid);

        [LoggerMessage(206, LogLevel.Information, "Connection {ConnectionId} replaced by a new session for {Jid}", EventName = "ResourceConflict")]
        public static partial void ResourceConflict(ILogger logger, string connectionId, string jid);

        [LoggerMessage(207, LogLevel.Information, "Connection {ConnectionId}: stream error {Condition} {Text}", EventName = "StreamErrorSent")]
        public static partial void StreamErrorSent(ILogger logger, string connectionId, string condition, string text);

        [LoggerMessage(208, LogLevel.Debug, "Connection {ConnectionId} closed its stream", EventName = "StreamClosedByPeer")]
        public static partial void StreamClosedByPeer(ILogger logger, string connectionId);

        [LoggerMessage(209, LogLevel.Debug, "Connection {ConnectionId} lost ({Reason})", EventName = "ConnectionLost")]
        public static partial void ConnectionLost(ILogger logger, string connectionId, string reason);

        [LoggerMessage(210, LogLevel.Error, "Connection {ConnectionId} failed", EventName = "ConnectionFailed")]
        public static partial void ConnectionFailed(ILogger logger, Exception exception, string connectionId);

        [LoggerMessage(212, LogLevel.Information, "Connection {ConnectionId} closed", EventName = "ConnectionClosed")]
        public static partial void ConnectionClosed(ILogger logger, string connectionId);

        [LoggerMessage(213, LogLevel.Trace, "Connection {ConnectionId} received {Stanza}", EventName = "StanzaReceived")]
        public static partial void StanzaReceived(ILogger logger, string connectionId, string stanza);

        [LoggerMessage(215, LogLevel.Error, "Connection {ConnectionId}: handling a <{Name}/> failed", EventName = "StanzaFailed")]
        public static partial void StanzaFailed(ILogger logger, Exception exception, string connectionId, string name);

        [LoggerMessage(216, LogLevel.Information, "Connection {ConnectionId} lost; session {Jid} waits to be resumed", EventName = "SessionHibernating")]
        public static partial void SessionHibernating(ILogger logger, string connectionId, string jid);

        [LoggerMessage(217, LogLevel.Information, "Connection {ConnectionId} resumed session {Jid}, retransmitting {Count} stanzas", EventName = "SessionResumed")]
        public static partial void SessionResumed(ILogger logger, string connectionId, string jid, int count);

        [LoggerMessage(214, LogLevel.Trace, "Connection {ConnectionId} sent {Stanza}", EventName = "StanzaSent")]
        public static partial void StanzaSent(ILogger logger, string connectionId, string stanza);
    }
}
