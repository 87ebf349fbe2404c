namespace XmppServer.Core.Hosting;

/// <summary>Top-level settings, bound from the "Xmpp" configuration section.</summary>
public sealed class XmppServerOptions
{
    public const string SectionName = "Xmpp";

    /// <summary>The domains this server hosts (Xmpp:Domains).</summary>
    public IList<string> Domains { get; } = [];

    /// <summary>Where the database and the generated certificate live (Xmpp:DataDirectory).</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Language of the server's own human-readable texts (RFC 6120 §4.7.4).</summary>
    public string Language { get; set; } = "en";
}
