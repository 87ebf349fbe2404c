namespace XmppServer.LoadTest.Faults;

/// <summary>What the clients went through during a fault run (all counters, thread-safe).</summary>
internal sealed class FaultStats
{
    private long _connections;
    private long _connectFailures;
    private long _resumed;
    private long _resumeFailed;
    private long _freshSessions;
    private long _catchUps;
    private long _catchUpPages;
    private long _ackAnomalies;
    private long _staleAcks;
    private long _streamErrors;

    /// <summary>TCP connections the clients opened.</summary>
    public long Connections => Interlocked.Read(ref _connections);

    /// <summary>Connections that failed before the session was resumed or bound.</summary>
    public long ConnectFailures => Interlocked.Read(ref _connectFailures);

    /// <summary>XEP-0198 §5 resumptions the server accepted.</summary>
    public long Resumed => Interlocked.Read(ref _resumed);

    /// <summary>Resumptions the server refused (the session was gone: after a restart, mostly).</summary>
    public long ResumeFailed => Interlocked.Read(ref _resumeFailed);

    /// <summary>Sessions bound from scratch (first logins and logins after a failed resumption).</summary>
    public long FreshSessions => Interlocked.Read(ref _freshSessions);

    /// <summary>Archive catch-ups completed (one per fresh session, unless it was cut and redone).</summary>
    public long CatchUps => Interlocked.Read(ref _catchUps);

    public long CatchUpPages => Interlocked.Read(ref _catchUpPages);

    /// <summary>
    /// Acknowledgements that claimed more stanzas than the client had sent (XEP-0198 §4 makes that an error; it means
    /// the server counted a stanza twice).
    /// </summary>
    public long AckAnomalies => Interlocked.Read(ref _ackAnomalies);

    /// <summary>Acknowledgements with a count below one the client already had.</summary>
    public long StaleAcks => Interlocked.Read(ref _staleAcks);

    /// <summary>Stream errors the server sent.</summary>
    public long StreamErrors => Interlocked.Read(ref _streamErrors);

    public void Connection() => Interlocked.Increment(ref _connections);

    public void ConnectFailure() => Interlocked.Increment(ref _connectFailures);

    public void Resume(bool accepted) => Interlocked.Increment(ref accepted ? ref _resumed : ref _resumeFailed);

    public void FreshSession() => Interlocked.Increment(ref _freshSessions);

    public void CatchUp(int pages)
    {
        Interlocked.Increment(ref _catchUps);
        Interlocked.Add(ref _catchUpPages, pages);
    }

    public void AckAnomaly() => Interlocked.Increment(ref _ackAnomalies);

    public void StaleAck() => Interlocked.Increment(ref _staleAcks);

    public void StreamError() => Interlocked.Increment(ref _streamErrors);
}
