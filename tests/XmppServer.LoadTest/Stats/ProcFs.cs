using System.Globalization;

namespace XmppServer.LoadTest.Stats;

/// <summary>Reads RSS and CPU time of any process from /proc (Linux), as ps and top do.</summary>
internal static class ProcFs
{
    // proc(5): utime and stime are in clock ticks of USER_HZ, which the kernel fixes at 100 for /proc on every
    // architecture .NET runs on; sysconf(_SC_CLK_TCK) would only ever return that.
    private const double TicksPerSecond = 100;

    public static ProcessSample Read(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var status = File.ReadAllLines($"/proc/{pid}/status");
            return new ProcessSample(
                true,
                ReadKb(status, "VmRSS:") * 1024,
                ReadKb(status, "VmHWM:") * 1024,
                ParseCpu(stat));
        }
        catch (IOException)
        {
            return ProcessSample.None;
        }
        catch (UnauthorizedAccessException)
        {
            return ProcessSample.None;
        }
    }

    public static bool Exists(int pid) => Directory.Exists($"/proc/{pid}");

    /// <summary>utime + stime from a /proc/PID/stat line. The command name (field 2) may hold spaces and parentheses,
    /// so fields are counted from the last ')'.</summary>
    internal static TimeSpan ParseCpu(string stat)
    {
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            throw new FormatException("not a /proc/PID/stat line");
        }

        var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);

        // After ')' comes field 3 (state); utime is field 14 and stime field 15.
        var utime = long.Parse(fields[14 - 3], CultureInfo.InvariantCulture);
        var stime = long.Parse(fields[15 - 3], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds((utime + stime) / TicksPerSecond);
    }

    internal static long ReadKb(IEnumerable<string> statusLines, string key)
    {
        foreach (var line in statusLines)
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                var value = line[key.Length..].Trim();
                var space = value.IndexOf(' ');
                return long.Parse(space < 0 ? value : value[..space], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
