using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace XmppServer.Core.Tls;

/// <summary>
/// Reloads the certificate on SIGHUP, the usual "reread your configuration" signal that certificate renewal hooks
/// (certbot's --deploy-hook, acme.sh's --reloadcmd) send. Nobody is disconnected: open streams keep the certificate
/// they negotiated, new ones get the renewed certificate.
/// </summary>
internal sealed partial class CertificateReloadService(CertificateProvider certificates, ILogger<CertificateReloadService> logger) : IHostedService, IDisposable
{
    private PosixSignalRegistration? _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // SIGHUP exists on Unix only; elsewhere a reload takes a restart.
        if (!OperatingSystem.IsWindows())
        {
            _registration = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _registration?.Dispose();
        _registration = null;
    }

    private void OnSignal(PosixSignalContext context)
    {
        // SIGHUP's default action ends the process; here it only means "reload".
        context.Cancel = true;
        Log.Reloading(logger);

        // Off the signal thread: loading reads files and builds a chain.
        _ = Task.Run(certificates.Reload);
    }

    private static partial class Log
    {
        [LoggerMessage(103, LogLevel.Information, "SIGHUP: reloading the TLS certificate", EventName = "CertificateReloading")]
        public static partial void Reloading(ILogger logger);
    }
}
