namespace XmppServer.Modules.Offline;

/// <summary>What to do with a message that found no available resource.</summary>
internal enum OfflineDecision
{
    /// <summary>Keep it for the user's next available presence.</summary>
    Store,

    /// <summary>Nothing in it is worth keeping (chat states alone, for example): drop it without an error.</summary>
    Drop,

    /// <summary>Not ours to store: leave it to the router's default (service-unavailable for chat and normal).</summary>
    Refuse,
}
