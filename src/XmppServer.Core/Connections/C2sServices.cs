using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using XmppServer.Core.Accounts;
using XmppServer.Core.Hosting;
using XmppServer.Core.Modules;
using XmppServer.Core.Routing;
using XmppServer.Core.Tls;
using XmppServer.Protocol;

namespace XmppServer.Core.Connections;

/// <summary>What every client connection needs, resolved once rather than per connection.</summary>
internal sealed class C2sServices(
    ModuleRegistry registry,
    StanzaRouter router,
    SessionManager sessions,
    IAccountStore accounts,
    HostedDomains domains,
    CertificateProvider certificates,
    IOptions<ConnectionOptions> connectionOptions,
    IOptions<AuthenticationOptions> authenticationOptions,
    IOptions<XmppParserOptions> parserOptions,
    IOptions<XmppServerOptions> serverOptions,
    AuthenticationThrottle throttle,
    SessionTerminator terminator,
    ResumableSessions resumable,
    IOptions<StreamManagementOptions> streamManagement,
    ConnectionRegistry connections,
    ConnectionAdmission admission,
    IOptions<ConnectionLimitOptions> limits,
    TimeProvider time,
    ILogger<C2sConnection> logger)
{
    public ModuleRegistry Registry { get; } = registry;

    public StanzaRouter Router { get; } = router;

    public SessionManager Sessions { get; } = sessions;

    public IAccountStore Accounts { get; } = accounts;

    public HostedDomains Domains { get; } = domains;

    public CertificateProvider Certificates { get; } = certificates;

    public ConnectionOptions Options { get; } = connectionOptions.Value;

    public AuthenticationOptions Authentication { get; } = authenticationOptions.Value;

    public XmppParserOptions ParserOptions { get; } = parserOptions.Value;

    public string Language { get; } = serverOptions.Value.Language;

    public AuthenticationThrottle Throttle { get; } = throttle;

    public SessionTerminator Terminator { get; } = terminator;

    public ResumableSessions Resumable { get; } = resumable;

    public StreamManagementOptions StreamManagement { get; } = streamManagement.Value;

    public ConnectionRegistry Connections { get; } = connections;

    public ConnectionAdmission Admission { get; } = admission;

    public ConnectionLimitOptions Limits { get; } = limits.Value;

    public TimeProvider Time { get; } = time;

    public ILogger Logger { get; } = logger;

    public bool TraceStanzas { get; } = logger.IsEnabled(LogLevel.Trace);
}
