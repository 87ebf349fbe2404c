namespace XmppServer.Modules.Version;

/// <summary>Software version answers (Xmpp:Version).</summary>
public sealed class VersionOptions
{
    public const string SectionName = "Xmpp:Version";

    /// <summary>Include the operating system in the answer; off by default (XEP-0092 §5: it helps attackers).</summary>
    public bool ShowOs { get; set; }
}
