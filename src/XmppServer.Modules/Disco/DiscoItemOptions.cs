namespace XmppServer.Modules.Disco;

/// <summary>One disco#items entry of the server's domain (XEP-0030 §4.1), for example a MUC service.</summary>
public sealed class DiscoItemOptions
{
    /// <summary>The item's JID; "{domain}" is replaced by the queried domain (e.g. "conference.{domain}").</summary>
    public string Jid { get; set; } = string.Empty;

    /// <summary>Optional natural-language name.</summary>
    public string? Name { get; set; }

    /// <summary>Optional node (XEP-0030 §4.2).</summary>
    public string? Node { get; set; }
}
