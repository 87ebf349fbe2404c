using System.Diagnostics;

namespace XmppServer.LoadTest.Stats;

internal static class Ticks
{
    public static long ToMicroseconds(long stopwatchTicks) => (long)(stopwatchTicks * (1_000_000.0 / Stopwatch.Frequency));

    public static long ToMicroseconds(TimeSpan time) => time.Ticks / TimeSpan.TicksPerMicrosecond;
}
