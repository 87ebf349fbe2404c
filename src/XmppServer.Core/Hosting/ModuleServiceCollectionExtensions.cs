using Microsoft.Extensions.DependencyInjection;
using XmppServer.Core.Modules;

namespace XmppServer.Core.Hosting;

public static class ModuleServiceCollectionExtensions
{
    /// <summary>Registers a module as a singleton; the registry configures modules in registration order.</summary>
    public static IServiceCollection AddXmppModule<TModule>(this IServiceCollection services)
        where TModule : class, IXmppModule
    {
        services.AddSingleton<TModule>();
        services.AddSingleton<IXmppModule>(static sp => sp.GetRequiredService<TModule>());
        return services;
    }
}
