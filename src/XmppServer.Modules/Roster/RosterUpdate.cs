namespace XmppServer.Modules.Roster;

/// <summary>The outcome of <see cref="IRosterStore.UpdateAsync"/>.</summary>
/// <param name="Before">The entry as it was.</param>
/// <param name="After">The entry as it is now (equal to <paramref name="Before"/> when nothing changed).</param>
/// <param name="Version">The roster version after the update.</param>
/// <param name="LimitReached">
/// The change would have added an item (or a pending request) beyond the limit; nothing was changed.
/// </param>
public sealed record RosterUpdate(RosterEntry Before, RosterEntry After, string Version, bool LimitReached)
{
    /// <summary>True when the roster item itself (what a roster push carries) changed.</summary>
    public bool ItemChanged => !Equals(Before.Item, After.Item);
}
