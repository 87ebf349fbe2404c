using System.ComponentModel.DataAnnotations;

namespace XmppServer.Modules.Offline;

/// <summary>Offline message storage (Xmpp:Offline).</summary>
public sealed class OfflineOptions
{
    public const string SectionName = "Xmpp:Offline";

    /// <summary>Most messages kept per account; further messages are bounced until the user collects them.</summary>
    [Range(1, 1_000_000)]
    public int MaxMessagesPerUser { get; set; } = 1000;
}
