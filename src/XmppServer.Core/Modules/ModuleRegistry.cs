using System.Collections.Frozen;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using XmppServer.Core.Events;
using XmppServer.Core.Routing;
using XmppServer.Protocol;

namespace XmppServer.Core.Modules;

/// <summary>
/// Holds everything the modules registered. Modules are configured once, in order, then the tables are frozen for
/// lock-free lookups on the hot path. The core consults it; it never names a module.
/// </summary>
public sealed partial class ModuleRegistry : IEventBus
{
    private readonly Dictionary<(IqType, string, string), (IqTarget Target, IqHandler Handler, string Module)> _iq = [];
    private readonly Dictionary<StanzaHookKey, List<(int Priority, int Order, StanzaHandler Handler)>> _hooks = [];
    private readonly Dictionary<Type, List<Delegate>> _events = [];
    private readonly Dictionary<(string, string), StreamElementHandler> _streamElements = [];
    private readonly List<(StreamFeatureStage Stage, Func<StreamFeatureContext, XmppElement?> Factory)> _streamFeatures = [];
    private readonly List<DiscoIdentity> _identities = [];
    private readonly List<(string Feature, DiscoScope Scope)> _features = [];
    private readonly List<(XmppElement Form, DiscoScope Scope)> _extensions = [];

    private FrozenDictionary<(IqType, string, string), (IqTarget Target, IqHandler Handler, string Module)> _frozenIq =
        FrozenDictionary<(IqType, string, string), (IqTarget, IqHandler, string)>.Empty;

    private FrozenDictionary<StanzaHookKey, StanzaHandler[]> _frozenHooks = FrozenDictionary<StanzaHookKey, StanzaHandler[]>.Empty;
    private FrozenDictionary<Type, Delegate[]> _frozenEvents = FrozenDictionary<Type, Delegate[]>.Empty;
    private int _hookOrder;

    private readonly Lock _configureLock = new();
    private readonly ILogger _logger;
    private Func<IEnumerable<IXmppModule>>? _modules;
    private volatile bool _isFrozen;

    public ModuleRegistry(IEnumerable<IXmppModule> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        _modules = () => modules;
        _logger = NullLogger.Instance;
        EnsureConfigured();
    }

    /// <summary>
    /// Configures the modules on first use rather than at construction. Modules depend on the router and the router
    /// on this registry; resolving the modules lazily, once every singleton exists, breaks that cycle.
    /// </summary>
    public ModuleRegistry(Func<IEnumerable<IXmppModule>> modules, ILogger<ModuleRegistry>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(modules);
        _modules = modules;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public bool IsFrozen => _isFrozen;

    /// <summary>Configures every module and freezes the tables, once; start-up calls it so bad registrations fail early.</summary>
    public void EnsureConfigured()
    {
        if (_isFrozen)
        {
            return;
        }

        lock (_configureLock)
        {
            if (_isFrozen || _modules is null)
            {
                return;
            }

            foreach (var module in _modules())
            {
                module.Configure(new Builder(this, module.GetType().Name));
            }

            _modules = null;
            Freeze();
        }
    }

    public IReadOnlyList<DiscoIdentity> Identities
    {
        get
        {
            EnsureConfigured();
            return _identities;
        }
    }

    public IEnumerable<string> Features(DiscoScope scope) => Configured()._features.Where(f => f.Scope == scope).Select(f => f.Feature).Distinct();

    public IEnumerable<XmppElement> DiscoExtensions(DiscoScope scope) => Configured()._extensions.Where(e => e.Scope == scope).Select(e => e.Form);

    public IEnumerable<DiscoIdentity> IdentitiesFor(DiscoScope scope) => Configured()._identities.Where(i => i.Scope == scope);

    /// <summary>The stream features modules offer at this stage on this stream.</summary>
    public IEnumerable<XmppElement> StreamFeatures(StreamFeatureStage stage, StreamFeatureContext context)
    {
        foreach (var (featureStage, factory) in Configured()._streamFeatures)
        {
            if (featureStage == stage && factory(context) is { } feature)
            {
                yield return feature;
            }
        }
    }

    /// <summary>Finds the IQ handler for a request. Returns null when no module handles this payload for this target.</summary>
    public IqHandler? FindIqHandler(IqType type, string ns, string name, IqTarget target)
        => Configured()._frozenIq.TryGetValue((type, ns, name), out var entry) && (entry.Target & target) != 0 ? entry.Handler : null;

    /// <summary>True when some module handles this payload for some target (so the namespace is known at all).</summary>
    public bool HasIqHandler(IqType type, string ns, string name) => Configured()._frozenIq.ContainsKey((type, ns, name));

    public StreamElementHandler? FindStreamElementHandler(string ns, string name)
        => Configured()._streamElements.GetValueOrDefault((ns, name));

    /// <summary>Runs the hooks of <paramref name="key"/> by descending priority; true when one handled the stanza.</summary>
    public async ValueTask<bool> RunHooksAsync(StanzaHookKey key, StanzaContext context, CancellationToken cancellationToken)
    {
        if (!Configured()._frozenHooks.TryGetValue(key, out var handlers))
        {
            return false;
        }

        foreach (var handler in handlers)
        {
            if (await handler(context, cancellationToken))
            {
                return true;
            }
        }

        return false;
    }

    public bool HasHooks(StanzaHookKey key) => Configured()._frozenHooks.ContainsKey(key);

    public async ValueTask PublishAsync<TEvent>(TEvent @event, CancellationToken cancellationToken)
        where TEvent : class
    {
        if (!Configured()._frozenEvents.TryGetValue(typeof(TEvent), out var handlers))
        {
            return;
        }

        foreach (var handler in handlers)
        {
            // One failing handler must not keep the others from hearing the event (the unavailable broadcast of a
            // closed session, say).
            try
            {
                await ((Func<TEvent, CancellationToken, ValueTask>)handler)(@event, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Log.EventHandlerFailed(_logger, ex, typeof(TEvent).Name);
            }
        }
    }

    private ModuleRegistry Configured()
    {
        EnsureConfigured();
        return this;
    }

    private void Freeze()
    {
        _frozenIq = _iq.ToFrozenDictionary();
        _frozenHooks = _hooks.ToFrozenDictionary(
            pair => pair.Key,
            pair => pair.Value.OrderByDescending(h => h.Priority).ThenBy(h => h.Order).Select(h => h.Handler).ToArray());
        _frozenEvents = _events.ToFrozenDictionary(pair => pair.Key, pair => pair.Value.ToArray());
        _isFrozen = true;
    }

    private sealed class Builder(ModuleRegistry registry, string moduleName) : IModuleBuilder
    {
        public void AddFeature(string feature, DiscoScope scope = DiscoScope.Server)
        {
            ArgumentException.ThrowIfNullOrEmpty(feature);
            registry._features.Add((feature, scope));
        }

        public void AddIdentity(string category, string type, string? name = null, DiscoScope scope = DiscoScope.Server)
            => registry._identities.Add(new DiscoIdentity(category, type, name, scope));

        public void AddDiscoExtension(XmppElement dataForm, DiscoScope scope = DiscoScope.Server)
        {
            ArgumentNullException.ThrowIfNull(dataForm);
            registry._extensions.Add((dataForm, scope));
        }

        public void AddStreamFeature(StreamFeatureStage stage, Func<StreamFeatureContext, XmppElement?> feature)
        {
            ArgumentNullException.ThrowIfNull(feature);
            registry._streamFeatures.Add((stage, feature));
        }

        public void HandleIq(IqType type, string ns, string name, IqTarget target, IqHandler handler)
        {
            ArgumentNullException.ThrowIfNull(handler);
            if (type is not (IqType.Get or IqType.Set))
            {
                throw new ArgumentException("Only get and set requests have handlers; results go to whoever asked.", nameof(type));
            }

            if (!registry._iq.TryAdd((type, ns, name), (target, handler, moduleName)))
            {
                var other = registry._iq[(type, ns, name)].Module;
                throw new InvalidOperationException($"IQ {type} {{{ns}}}{name} is handled by both {other} and {moduleName}.");
            }
        }

        public void Hook(StanzaHookKey key, StanzaHandler handler, int priority = 0)
        {
            ArgumentNullException.ThrowIfNull(handler);
            if (!registry._hooks.TryGetValue(key, out var list))
            {
                registry._hooks[key] = list = [];
            }

            list.Add((priority, registry._hookOrder++, handler));
        }

        public void On<TEvent>(Func<TEvent, CancellationToken, ValueTask> handler)
            where TEvent : class
        {
            ArgumentNullException.ThrowIfNull(handler);
            if (!registry._events.TryGetValue(typeof(TEvent), out var list))
            {
                registry._events[typeof(TEvent)] = list = [];
            }

            list.Add(handler);
        }

        public void HandleStreamElement(string ns, string name, StreamElementHandler handler)
        {
            ArgumentNullException.ThrowIfNull(handler);
            if (!registry._streamElements.TryAdd((ns, name), handler))
            {
                throw new InvalidOperationException($"Stream element {{{ns}}}{name} is handled twice ({moduleName}).");
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(400, LogLevel.Error, "A handler of {Event} failed", EventName = "EventHandlerFailed")]
        public static partial void EventHandlerFailed(ILogger logger, Exception exception, string @event);
    }
}
