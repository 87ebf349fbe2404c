using XmppServer.LoadTest.Cli;
using XmppServer.LoadTest.Faults;

namespace XmppServer.LoadTest.Tests;

public class FaultOptionsTests
{
    [Fact]
    public void NoOptions_GiveTheSoakDefaults()
    {
        var options = FaultOptions.Parse([]);

        Assert.Equal((100_000, 6, 300.0, 240.0), (options.Messages, options.Clients, options.Rate, options.CutsPerMinute));
        Assert.Equal([RestartKind.Graceful, RestartKind.Kill], options.Restarts);
        Assert.True(options.EffectiveTimeout > TimeSpan.FromSeconds(100_000 / 300.0));
    }

    [Fact]
    public void Options_AreRead()
    {
        var options = FaultOptions.Parse(
            ["--messages", "3000", "--clients", "4", "--rate", "150", "--cuts-per-minute", "300", "--restarts", "kill,graceful,kill",
             "--drain", "20", "--timeout", "110", "--seed", "42", "--server-setting", "Xmpp:Offline:MaxMessagesPerUser=5", "--quiet"]);

        Assert.Equal((3000, 4, 150.0, 300.0, 42), (options.Messages, options.Clients, options.Rate, options.CutsPerMinute, options.Seed));
        Assert.Equal([RestartKind.Kill, RestartKind.Graceful, RestartKind.Kill], options.Restarts);
        Assert.Equal(TimeSpan.FromSeconds(110), options.EffectiveTimeout);
        Assert.Equal(["--Xmpp:Offline:MaxMessagesPerUser=5"], options.ServerSettings);
        Assert.True(options.Quiet);
    }

    [Fact]
    public void RestartsNone_MeansNoRestart()
    {
        Assert.Empty(FaultOptions.Parse(["--restarts", "none"]).Restarts);
    }

    [Theory]
    [InlineData("--restarts", "reboot")]
    [InlineData("--clients", "1")]
    [InlineData("--messages", "0")]
    [InlineData("--server-setting", "novalue")]
    [InlineData("--bogus", "1")]
    public void BadOption_IsRefused(string name, string value)
    {
        Assert.Throws<OptionsException>(() => FaultOptions.Parse([name, value]));
    }

    [Fact]
    public void MissingServerBuild_IsRefusedWithAHint()
    {
        var options = FaultOptions.Parse(["--server-dll", Path.Combine(Path.GetTempPath(), "no-such-server.dll")]);

        var error = Assert.Throws<OptionsException>(options.ResolveServerDll);
        Assert.Contains("no such file", error.Message, StringComparison.Ordinal);
    }
}
