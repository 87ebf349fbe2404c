using System.Collections.Frozen;
using Microsoft.Extensions.Options;
using XmppServer.Protocol;

namespace XmppServer.Core.Hosting;

/// <summary>The domains this server serves, in canonical form (RFC 7622 §3.2).</summary>
public sealed class HostedDomains
{
    private readonly FrozenSet<string> _domains;

    public HostedDomains(IOptions<XmppServerOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var list = new List<string>();
        foreach (var configured in options.Value.Domains.Count > 0 ? options.Value.Domains : ["localhost"])
        {
            var domain = JidPrep.PrepareDomain(configured)
                ?? throw new InvalidOperationException($"Xmpp:Domains contains '{configured}', which is not a valid domain.");
            if (!list.Contains(domain))
            {
                list.Add(domain);
            }
        }

        All = list;
        Default = list[0];
        _domains = list.ToFrozenSet(StringComparer.Ordinal);
    }

    public IReadOnlyList<string> All { get; }

    /// <summary>The first configured domain.</summary>
    public string Default { get; }

    public bool IsLocal(string domain) => _domains.Contains(domain);
}
