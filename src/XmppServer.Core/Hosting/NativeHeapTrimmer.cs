using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace XmppServer.Core.Hosting;

/// <summary>
/// Hands memory that the C heap has freed back to the operating system, every <see cref="Interval"/>. Each TLS
/// connection's OpenSSL state lives in the C heap, and a handshake allocates and frees far more than the connection
/// keeps; glibc returns freed memory only from the top of its heaps, so the pages freed between live connections stay
/// resident. malloc_trim releases every whole free page (measured: the freed TLS record buffers of 5,000 idle sessions
/// stayed resident until trimmed). Ruby calls it after each full GC for the same reason.
/// </summary>
internal sealed partial class NativeHeapTrimmer(TimeProvider time, ILogger<NativeHeapTrimmer> logger) : BackgroundService
{
    internal static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // glibc only: musl and other C libraries have no malloc_trim (and return memory their own way).
        if (!OperatingSystem.IsLinux() || !TryTrim(out _))
        {
            return;
        }

        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var started = time.GetTimestamp();
            TryTrim(out var released);
            LogTrimmed(logger, released, time.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    internal static bool TryTrim(out bool released)
    {
        try
        {
            released = NativeMethods.MallocTrim(0) != 0;
            return true;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            released = false;
            return false;
        }
    }

    [LoggerMessage(1201, LogLevel.Trace, "C heap trimmed (memory released: {Released}) in {Milliseconds} ms", EventName = "NativeHeapTrimmed")]
    private static partial void LogTrimmed(ILogger logger, bool released, double milliseconds);

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "malloc_trim", ExactSpelling = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int MallocTrim(nuint pad);
    }
}
