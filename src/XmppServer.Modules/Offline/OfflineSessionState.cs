namespace XmppServer.Modules.Offline;

/// <summary>
/// Where a session stands with the stored messages since it last became available with a non-negative priority:
/// being given them (<see cref="Flushing"/>), or given them (<see cref="Delivered"/>), so that later presence updates
/// (show, status) do not query the store again. No item: not available, or not yet seen available by this module.
/// </summary>
internal sealed class OfflineSessionState
{
    public static OfflineSessionState Flushing { get; } = new();

    public static OfflineSessionState Delivered { get; } = new();
}
