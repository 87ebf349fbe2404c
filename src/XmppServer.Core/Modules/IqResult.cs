using XmppServer.Protocol;

namespace XmppServer.Core.Modules;

/// <summary>The outcome of an IQ handler: a result (with an optional payload), an error, or "already answered".</summary>
public sealed class IqResult
{
    private IqResult(XmppElement? payload, StanzaErrorCondition? error, StanzaErrorType? errorType, string? text, bool handled)
    {
        Payload = payload;
        Error = error;
        ErrorType = errorType;
        ErrorText = text;
        IsHandled = handled;
    }

    /// <summary>An empty &lt;iq type='result'/&gt;.</summary>
    public static IqResult Empty { get; } = new(null, null, null, null, false);

    /// <summary>The handler sent its answer itself (or will, later); the router sends nothing.</summary>
    public static IqResult Handled { get; } = new(null, null, null, null, true);

    public XmppElement? Payload { get; }

    public StanzaErrorCondition? Error { get; }

    public StanzaErrorType? ErrorType { get; }

    public string? ErrorText { get; }

    public bool IsHandled { get; }

    public bool IsError => Error is not null;

    public static IqResult With(XmppElement payload) => new(payload, null, null, null, false);

    public static IqResult Fail(StanzaErrorCondition condition, StanzaErrorType? type = null, string? text = null)
        => new(null, condition, type, text, false);
}
