namespace XmppServer.Modules.Offline;

/// <summary>
/// Marks a session that has been given the stored messages since it last became available with a non-negative
/// priority, so that later presence updates (show, status) do not query the store again.
/// </summary>
internal sealed class OfflineSessionState
{
    public static OfflineSessionState Delivered { get; } = new();
}
