using XmppServer.LoadTest.Stats;

namespace XmppServer.LoadTest.Tests;

public class ProcFsTests
{
    [Fact]
    public void ParseCpu_CommandWithSpacesAndParentheses_AddsUserAndSystemTicks()
    {
        // Fields 14 and 15 (utime, stime) are 250 and 50 ticks of 1/100 s.
        const string stat = "1234 (my (odd) prog) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 4 0 500 1000000 200 18446744073709551615";

        Assert.Equal(TimeSpan.FromSeconds(3), ProcFs.ParseCpu(stat));
    }

    [Fact]
    public void ReadKb_StatusLines_FindsTheKey()
    {
        string[] status = ["Name:\tdotnet", "VmHWM:\t  20480 kB", "VmRSS:\t   10240 kB"];

        Assert.Equal(10240, ProcFs.ReadKb(status, "VmRSS:"));
        Assert.Equal(20480, ProcFs.ReadKb(status, "VmHWM:"));
        Assert.Equal(0, ProcFs.ReadKb(status, "VmSwap:"));
    }

    [Fact]
    public void Read_OwnProcess_HasRssAndCpu()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var sample = ProcFs.Read(Environment.ProcessId);

        Assert.True(sample.Valid);
        Assert.True(sample.RssBytes > 1024 * 1024);
        Assert.True(sample.PeakRssBytes >= sample.RssBytes);
    }

    [Fact]
    public void Read_NoSuchProcess_IsInvalid()
    {
        Assert.False(ProcFs.Read(int.MaxValue).Valid);
    }
}
