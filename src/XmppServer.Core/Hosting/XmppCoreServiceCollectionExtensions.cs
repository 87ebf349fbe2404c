using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using XmppServer.Core.Accounts;
using XmppServer.Core.Connections;
using XmppServer.Core.Events;
using XmppServer.Core.Modules;
using XmppServer.Core.Routing;
using XmppServer.Core.Tls;
using XmppServer.Protocol;

namespace XmppServer.Core.Hosting;

public static class XmppCoreServiceCollectionExtensions
{
    /// <summary>The core: options, module registry, sessions, router and client connections.</summary>
    public static IServiceCollection AddXmppCore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<XmppServerOptions>().Bind(configuration.GetSection(XmppServerOptions.SectionName));
        services.AddOptions<Connections.ListenOptions>().Bind(configuration.GetSection(Connections.ListenOptions.SectionName))
            .Validate(
                o => IsPort(o.C2sPort) && IsPort(o.C2sTlsPort) && IsPort(o.S2sPort) && IsPort(o.HttpPort)
                    && (string.IsNullOrEmpty(o.Address) || o.Address == "*" || System.Net.IPAddress.TryParse(o.Address, out _)),
                "Xmpp:Listen: ports are 0 (off) to 65535 and Address is an IP address or empty.")
            .ValidateOnStart();
        services.AddOptions<ConnectionOptions>().Bind(configuration.GetSection(ConnectionOptions.SectionName))
            .Validate(
                o => o.MaxOutboundQueue >= 1 && o.MaxOutboundBytes >= 1024 * 1024 && o.NegotiationTimeout > TimeSpan.Zero && o.IdleTimeout > TimeSpan.Zero
                    && o.PingTimeout > TimeSpan.Zero && o.TlsHandshakeTimeout > TimeSpan.Zero && o.ShutdownTimeout >= TimeSpan.Zero,
                "Xmpp:Connections: timeouts must be positive, MaxOutboundQueue at least 1 and MaxOutboundBytes at least 1 MiB (a large stanza and a roster must fit).")
            .ValidateOnStart();
        // The host cancels shutdown after HostOptions.ShutdownTimeout (30 s by default); ours must fit inside it with
        // room for the store writes of the sessions it ends, or what they hold would be cut off.
        services.AddOptions<HostOptions>().Configure<IOptions<ConnectionOptions>>(static (host, connections) =>
        {
            var needed = connections.Value.ShutdownTimeout + C2sConnection.CloseTimeout + TimeSpan.FromSeconds(15);
            if (host.ShutdownTimeout < needed)
            {
                host.ShutdownTimeout = needed;
            }
        });
        services.AddOptions<StreamManagementOptions>().Bind(configuration.GetSection(StreamManagementOptions.SectionName))
            .Validate(o => o.ResumeTimeout >= TimeSpan.Zero, "Xmpp:StreamManagement:ResumeTimeout must not be negative.")
            .ValidateOnStart();
        services.AddOptions<TlsOptions>().Bind(configuration.GetSection(TlsOptions.SectionName));
        services.AddOptions<AuthenticationOptions>().Bind(configuration.GetSection(AuthenticationOptions.SectionName))
            .Validate(o => o.ScramIterations >= 4096, "Xmpp:Authentication:ScramIterations must be at least 4096 (RFC 7677 §4).")
            .ValidateOnStart();
        services.AddOptions<XmppParserOptions>().Bind(configuration.GetSection("Xmpp:Limits"))
            .Validate(
                o => o.MaxStanzaBytes >= 10_000 && o.MaxStanzaBytesBeforeAuthentication >= 1_024 && o.MaxDepth >= 4 && o.MaxAttributes >= 8
                    && o.MaxAttributeValueLength >= 3_071 && o.MaxTextLength >= 1_024 && o.MaxNamespaceDeclarations >= 4,
                "Xmpp:Limits are too small for XMPP to work (RFC 6120 §13.12 asks for at least 10000-byte stanzas; a JID as an attribute value takes up to 3071 bytes, RFC 7622 §3.1).")
            .ValidateOnStart();
        services.AddOptions<ConnectionLimitOptions>().Bind(configuration.GetSection(ConnectionLimitOptions.SectionName))
            .Validate(
                o => o.BytesPerSecond >= 0 && o.StanzasPerSecond >= 0
                    && (o.BytesPerSecond == 0 || o.ByteBurst >= 16 * 1024) && (o.StanzasPerSecond == 0 || o.StanzaBurst >= 1)
                    && o.MaxConnectionsPerAddress >= 1 && o.MaxUnauthenticatedConnections >= 1 && o.TryParseExemptAddresses(out _),
                "Xmpp:Limits: rates are 0 (off) or positive with a burst (ByteBurst at least 16384, a pre-authentication stanza), connection limits at least 1, ExemptAddresses CIDR networks.")
            .ValidateOnStart();

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<HostedDomains>();
        services.AddSingleton(static sp => new ModuleRegistry(() => sp.GetServices<IXmppModule>(), sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<ModuleRegistry>>()));
        services.AddSingleton<IEventBus>(static sp => sp.GetRequiredService<ModuleRegistry>());
        services.AddSingleton<SessionManager>();
        services.AddSingleton<ISessionManager>(static sp => sp.GetRequiredService<SessionManager>());
        services.AddSingleton<StanzaRouter>();
        services.AddSingleton<IStanzaRouter>(static sp => sp.GetRequiredService<StanzaRouter>());
        services.AddSingleton<CertificateProvider>();
        services.AddSingleton<AuthenticationThrottle>();
        services.AddSingleton<ConnectionRegistry>();
        services.AddSingleton<ConnectionAdmission>();
        services.AddSingleton<ResumableSessions>();
        services.AddSingleton<SessionTerminator>();
        services.AddSingleton<C2sServices>();
        services.AddSingleton<C2sConnectionHandler>();
        services.AddHostedService<ConnectionHeartbeat>();
        services.AddHostedService<CertificateReloadService>();
        services.AddHostedService<NativeHeapTrimmer>();
        return services;
    }

    private static bool IsPort(int port) => port is >= 0 and <= 65535;
}
