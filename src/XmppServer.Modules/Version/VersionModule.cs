using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using XmppServer.Core.Modules;
using XmppServer.Protocol;

namespace XmppServer.Modules.Version;

/// <summary>Software Version (XEP-0092) of the server, answered on its domain.</summary>
[Xep(92, "1.1")]
public sealed class VersionModule(IOptions<VersionOptions> options) : IXmppModule
{
    public const string SoftwareName = "XmppServer";

    /// <summary>The informational version without its "+commit" build metadata.</summary>
    public static string SoftwareVersion { get; } = ReadVersion();

    public void Configure(IModuleBuilder module)
    {
        ArgumentNullException.ThrowIfNull(module);

        // XEP-0092 §4: support is advertised in disco#info.
        module.AddFeature(Namespaces.Version);
        module.HandleIq(IqType.Get, Namespaces.Version, "query", IqTarget.Host, GetAsync);
    }

    private ValueTask<IqResult> GetAsync(IqContext context, CancellationToken cancellationToken)
    {
        // XEP-0092 §2: <name/> and <version/> are required in a result, <os/> optional; §5 (Security
        // Considerations): disclosing the OS can help an attacker, so it is sent only when configured.
        var query = new XmppElement("query", Namespaces.Version)
            .AddTextElement("name", Namespaces.Version, SoftwareName)
            .AddTextElement("version", Namespaces.Version, SoftwareVersion);
        if (options.Value.ShowOs)
        {
            query.AddTextElement("os", Namespaces.Version, RuntimeInformation.OSDescription);
        }

        return ValueTask.FromResult(IqResult.With(query));
    }

    private static string ReadVersion()
    {
        var assembly = typeof(VersionModule).Assembly;
        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString()
            ?? "0.0.0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }
}
