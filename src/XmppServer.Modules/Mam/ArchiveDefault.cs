namespace XmppServer.Modules.Mam;

/// <summary>The 'default' of XEP-0441 preferences: what happens to messages with a JID in neither list.</summary>
public enum ArchiveDefault
{
    /// <summary>Archive every message.</summary>
    Always,

    /// <summary>Archive nothing.</summary>
    Never,

    /// <summary>Archive messages with contacts in the user's roster only.</summary>
    Roster,
}
