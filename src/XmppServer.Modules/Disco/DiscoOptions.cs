namespace XmppServer.Modules.Disco;

/// <summary>Service discovery settings (Xmpp:Disco).</summary>
public sealed class DiscoOptions
{
    public const string SectionName = "Xmpp:Disco";

    /// <summary>Items listed on the server's domain (none by default).</summary>
    public IList<DiscoItemOptions> Items { get; } = [];

    /// <summary>Contact addresses published in the server's disco#info (XEP-0157); none by default.</summary>
    public ContactAddressesOptions ContactAddresses { get; } = new();
}
