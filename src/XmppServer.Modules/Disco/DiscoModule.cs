using Microsoft.Extensions.Options;
using XmppServer.Core.Modules;
using XmppServer.Protocol;

namespace XmppServer.Modules.Disco;

/// <summary>
/// Service discovery (XEP-0030) of the server's domains and of accounts' bare JIDs, aggregating what every module
/// registered, with extended information forms (XEP-0128) and the service's contact addresses (XEP-0157).
/// </summary>
[Xep(30, "2.5.0")]
[Xep(128, "1.0.1")]
[Xep(157, "1.1.1")]
public sealed class DiscoModule : IXmppModule
{
    /// <summary>The natural-language name of the server identity.</summary>
    public const string ServerName = "XmppServer";

    private static readonly XmppElement EmptyItems = new("query", Namespaces.DiscoItems);

    private readonly DiscoOptions _options;
    private readonly IDiscoAccountAccess[] _accountAccess;
    private readonly Lazy<DiscoInfo> _serverInfo;
    private readonly Lazy<DiscoInfo> _accountInfo;

    /// <summary>The registry configures its modules lazily, so taking it here is no cycle; its tables are read on first use.</summary>
    public DiscoModule(ModuleRegistry registry, IOptions<DiscoOptions> options, IEnumerable<IDiscoAccountAccess> accountAccess)
        : this(() => registry, options?.Value ?? throw new ArgumentNullException(nameof(options)), accountAccess)
    {
    }

    internal DiscoModule(Func<ModuleRegistry> registry, DiscoOptions options, IEnumerable<IDiscoAccountAccess> accountAccess)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _options = options;
        _accountAccess = [.. accountAccess];

        // XEP-0030 §3.1 and the Service Discovery Identities registry: a server is category 'server', type 'im';
        // §3.1 also says a hosted account is answered for by the server as category 'account', type 'registered'.
        _serverInfo = new Lazy<DiscoInfo>(() => DiscoInfo.Create(new DiscoIdentity("server", "im", ServerName, DiscoScope.Server), registry(), DiscoScope.Server));
        _accountInfo = new Lazy<DiscoInfo>(() => DiscoInfo.Create(new DiscoIdentity("account", "registered", null, DiscoScope.Account), registry(), DiscoScope.Account));
    }

    public void Configure(IModuleBuilder module)
    {
        ArgumentNullException.ThrowIfNull(module);
        foreach (var scope in (ReadOnlySpan<DiscoScope>)[DiscoScope.Server, DiscoScope.Account])
        {
            module.AddFeature(Namespaces.DiscoInfo, scope);
            module.AddFeature(Namespaces.DiscoItems, scope);
        }

        // XEP-0157 §3: contact addresses go in the disco#info of the server's domain.
        if (ServerInfoForm.Create(_options.ContactAddresses) is { } contactAddresses)
        {
            module.AddDiscoExtension(contactAddresses, DiscoScope.Server);
        }

        module.HandleIq(IqType.Get, Namespaces.DiscoInfo, "query", IqTarget.Host | IqTarget.Account, GetInfoAsync);
        module.HandleIq(IqType.Get, Namespaces.DiscoItems, "query", IqTarget.Host | IqTarget.Account, GetItemsAsync);
    }

    private async ValueTask<IqResult> GetInfoAsync(IqContext context, CancellationToken cancellationToken)
    {
        if (context.To.Local is null)
        {
            // XEP-0030 §3.2, §7: no node of the server is known; item-not-found says the JID+node does not exist.
            return HasNode(context.Payload)
                ? IqResult.Fail(StanzaErrorCondition.ItemNotFound)
                : IqResult.With(_serverInfo.Value.ToElement());
        }

        // XEP-0030 §8 (1): the server answers for an account only to those it shares presence with (or trusts);
        // anyone else gets service-unavailable, node or no node, so accounts cannot be harvested this way.
        if (!await MayDiscoverAsync(context, cancellationToken))
        {
            return IqResult.Fail(StanzaErrorCondition.ServiceUnavailable);
        }

        // Account nodes (PEP) are not served yet.
        return HasNode(context.Payload)
            ? IqResult.Fail(StanzaErrorCondition.ItemNotFound)
            : IqResult.With(_accountInfo.Value.ToElement());
    }

    private ValueTask<IqResult> GetItemsAsync(IqContext context, CancellationToken cancellationToken)
    {
        // XEP-0030 §4.2: the server has no item nodes (and accounts none yet); an unknown node is item-not-found.
        if (HasNode(context.Payload))
        {
            return ValueTask.FromResult(IqResult.Fail(StanzaErrorCondition.ItemNotFound));
        }

        // XEP-0030 §8 (2): an account's items are an empty result for whoever asks, since its only items would be
        // its available resources, which are not disclosed here. XEP-0030 §7: no items is an empty query, not an error.
        var items = context.To.Local is null
            ? DiscoItems.ForServer(_options.Items, context.To.Domain)
            : EmptyItems.Clone();
        return ValueTask.FromResult(IqResult.With(items));
    }

    private async ValueTask<bool> MayDiscoverAsync(IqContext context, CancellationToken cancellationToken)
    {
        if (context.IsSelf)
        {
            return true;
        }

        foreach (var access in _accountAccess)
        {
            if (await access.MayDiscoverAsync(context.From, context.To.Bare, cancellationToken))
            {
                return true;
            }
        }

        return false;
    }

    // An empty 'node' is treated as no node: it names nothing else than the entity itself.
    private static bool HasNode(XmppElement query) => !string.IsNullOrEmpty(query.GetAttribute("node"));
}
