using System.Threading.Channels;
using XmppServer.Protocol;

namespace XmppServer.Core;

/// <summary>
/// A bound client session. Outbound stanzas go to a bounded queue that the connection's write loop drains; a full
/// queue means the client is not reading, and the policy is to close its stream with policy-violation rather than
/// let the server's memory grow or make the router wait.
/// </summary>
internal sealed class ClientSession : IXmppSession
{
    private readonly Channel<XmppElement> _outbound;
    private readonly Func<StreamErrorCondition?, string?, ValueTask> _close;
    private volatile bool _closing;
    private int _closedPublished;

    public ClientSession(string id, Jid jid, bool isSecure, int maxQueue, Func<StreamErrorCondition?, string?, ValueTask> close)
    {
        Id = id;
        Jid = jid;
        IsSecure = isSecure;
        _close = close;
        _outbound = Channel.CreateBounded<XmppElement>(new BoundedChannelOptions(maxQueue)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait, // never used: writers only TryWrite
            AllowSynchronousContinuations = false,
        });
    }

    public string Id { get; }

    public Jid Jid { get; }

    public bool IsSecure { get; }

    public bool IsAvailable { get; private set; }

    public int Priority { get; private set; }

    public XmppElement? Presence { get; private set; }

    public bool IsRosterInterested { get; set; }

    public SessionItems Items { get; } = new();

    /// <summary>True once the session was told to close; nothing more is queued.</summary>
    public bool IsClosing => _closing;

    internal ChannelReader<XmppElement> Outbound => _outbound.Reader;

    public bool Send(XmppElement stanza)
    {
        if (_closing)
        {
            return false;
        }

        if (_outbound.Writer.TryWrite(stanza))
        {
            return true;
        }

        // The client reads nothing while stanzas pile up: close it (the stated slow-consumer policy).
        _ = CloseAsync(StreamErrorCondition.PolicyViolation, "Too many unread stanzas").AsTask();
        return false;
    }

    public ValueTask CloseAsync(StreamErrorCondition? error, string? text = null) => _close(error, text);

    /// <summary>True exactly once: whoever gets it publishes SessionClosed for this session.</summary>
    internal bool TryBeginClosedPublication() => Interlocked.Exchange(ref _closedPublished, 1) == 0;

    /// <summary>Stops accepting stanzas; the write loop drains what is queued and ends.</summary>
    internal void MarkClosing()
    {
        _closing = true;
        _outbound.Writer.TryComplete();
    }

    /// <summary>
    /// Records presence sent with no 'to' (RFC 6121 §4.2, §4.5). Returns the previous availability.
    /// </summary>
    internal bool UpdatePresence(XmppElement presence)
    {
        var wasAvailable = IsAvailable;
        if (presence.Type == "unavailable")
        {
            IsAvailable = false;
            Presence = null;
            Priority = 0;
        }
        else
        {
            IsAvailable = true;
            Presence = presence;
            Priority = ReadPriority(presence);
        }

        return wasAvailable;
    }

    // RFC 6121 §4.7.2.3: an integer from -128 to +127; absent means zero.
    private static int ReadPriority(XmppElement presence)
    {
        var text = presence.ElementText("priority", presence.Namespace);
        return text is not null && sbyte.TryParse(text.AsSpan().Trim(), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var priority)
            ? priority
            : 0;
    }
}
