namespace XmppServer.Modules.Offline;

public enum OfflineStoreResult
{
    /// <summary>The message is committed.</summary>
    Stored,

    /// <summary>The user's queue holds the maximum already; nothing was stored.</summary>
    Full,
}
