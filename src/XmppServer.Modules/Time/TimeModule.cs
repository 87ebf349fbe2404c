using System.Globalization;
using XmppServer.Core.Modules;
using XmppServer.Protocol;

namespace XmppServer.Modules.Time;

/// <summary>Entity Time (XEP-0202) of the server, answered on its domain.</summary>
[Xep(202, "2.0")]
public sealed class TimeModule(TimeProvider timeProvider) : IXmppModule
{
    /// <summary>XEP-0082 DateTime profile, in UTC with milliseconds.</summary>
    public const string UtcFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public void Configure(IModuleBuilder module)
    {
        ArgumentNullException.ThrowIfNull(module);

        // XEP-0202 §4: an entity that supports the protocol MUST advertise urn:xmpp:time.
        module.AddFeature(Namespaces.Time);
        module.HandleIq(IqType.Get, Namespaces.Time, "time", IqTarget.Host, GetAsync);
    }

    private ValueTask<IqResult> GetAsync(IqContext context, CancellationToken cancellationToken)
    {
        // XEP-0202 §2: <tzo/> (XEP-0082 TZD) and <utc/> (XEP-0082 DateTime in UTC) are both required. The server
        // reports UTC as its own zone: its local zone is an operational detail nobody needs.
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var time = new XmppElement("time", Namespaces.Time)
            .AddTextElement("tzo", Namespaces.Time, "+00:00")
            .AddTextElement("utc", Namespaces.Time, now.ToString(UtcFormat, CultureInfo.InvariantCulture));
        return ValueTask.FromResult(IqResult.With(time));
    }
}
