namespace XmppServer.Modules.Carbons;

/// <summary>
/// Whether a session asked for carbons (XEP-0280 §4, §5). Written by the session's own IQs and read while routing
/// other sessions' messages, hence volatile.
/// </summary>
internal sealed class CarbonsState
{
    private volatile bool _isEnabled;

    public bool IsEnabled
    {
        get => _isEnabled;
        set => _isEnabled = value;
    }
}
