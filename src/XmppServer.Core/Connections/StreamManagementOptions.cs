namespace XmppServer.Core.Connections;

/// <summary>XEP-0198 settings (Xmpp:StreamManagement).</summary>
public sealed class StreamManagementOptions
{
    public const string SectionName = "Xmpp:StreamManagement";

    /// <summary>Offer stream management to clients.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long a session whose connection was lost waits to be resumed (XEP-0198 §5, the 'max' attribute).</summary>
    public TimeSpan ResumeTimeout { get; set; } = TimeSpan.FromMinutes(5);
}
