namespace XmppServer.Modules.Disco;

/// <summary>
/// Contact addresses of the service (XEP-0157 §3), as URIs such as "mailto:abuse@example.org" or
/// "xmpp:admin@example.org". Only the kinds that have addresses are published.
/// </summary>
public sealed class ContactAddressesOptions
{
    public IList<string> Abuse { get; } = [];

    public IList<string> Admin { get; } = [];

    public IList<string> Feedback { get; } = [];

    public IList<string> Sales { get; } = [];

    public IList<string> Security { get; } = [];

    public IList<string> Status { get; } = [];

    public IList<string> Support { get; } = [];
}
