using System.Net;
using XmppServer.LoadTest.Cli;
using XmppServer.LoadTest.Client;

namespace XmppServer.LoadTest.Tests;

public class LoadOptionsTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.5.6.7")]
    [InlineData("localhost")]
    [InlineData("::1")]
    public void Parse_LoopbackHost_IsAccepted(string host)
    {
        var options = LoadOptions.Parse(["idle", "--host", host]);

        Assert.True(IPAddress.IsLoopback(options.Address));
    }

    [Theory]
    [InlineData("10.0.0.1")]
    [InlineData("192.168.1.1")]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    [InlineData("example.com")]
    [InlineData("::ffff:10.0.0.1")]
    public void Parse_NonLoopbackHost_IsRefused(string host)
    {
        var e = Assert.Throws<OptionsException>(() => LoadOptions.Parse(["idle", "--host", host]));

        Assert.Contains(host, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Defaults_PerScenario()
    {
        var idle = LoadOptions.Parse(["idle"]);
        var login = LoadOptions.Parse(["login"]);
        var chat = LoadOptions.Parse(["chat"]);

        Assert.Equal((1000, 10.0), (idle.Users, idle.Duration));
        Assert.Equal((50.0, 20.0), (login.Rate, login.Duration));
        Assert.Equal((200, 500.0), (chat.Users, chat.Rate));
        Assert.Equal(SaslMechanism.ScramSha1, idle.Mechanism);
        Assert.Equal(1, idle.Workers);
        Assert.True(idle.Timeout > idle.Duration);
    }

    [Fact]
    public void Parse_ManySessions_SpreadsOverWorkersByDefault()
    {
        var options = LoadOptions.Parse(["idle", "--users", "50000"]);

        Assert.Equal(4, options.Workers);
    }

    [Fact]
    public void Parse_MoreSessionsThanAProcessCanHold_IsRefused()
    {
        var e = Assert.Throws<OptionsException>(() => LoadOptions.Parse(["idle", "--users", "40000", "--workers", "2"]));

        Assert.Contains("--workers 3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ChatWithOddUsers_IsRefused()
    {
        Assert.Throws<OptionsException>(() => LoadOptions.Parse(["chat", "--users", "201"]));
    }

    [Theory]
    [InlineData("muc")]
    [InlineData("--users")]
    public void Parse_UnknownScenario_IsRefused(string scenario)
    {
        Assert.Throws<OptionsException>(() => LoadOptions.Parse([scenario]));
    }

    [Theory]
    [InlineData("--port", "0")]
    [InlineData("--rate", "-1")]
    [InlineData("--users", "many")]
    [InlineData("--mech", "DIGEST-MD5")]
    [InlineData("--bogus", "1")]
    public void Parse_BadValue_IsRefused(string name, string value)
    {
        Assert.Throws<OptionsException>(() => LoadOptions.Parse(["login", name, value]));
    }

    [Fact]
    public void Parse_CaAndInsecure_AreExclusive()
    {
        Assert.Throws<OptionsException>(() => LoadOptions.Parse(["idle", "--ca", "x.pem", "--insecure"]));
    }

    [Fact]
    public void SourceAddresses_Ipv4_AreConsecutiveLoopbackAddresses()
    {
        var options = LoadOptions.Parse(["idle", "--sources", "3"]);

        Assert.Equal(["127.0.0.1", "127.0.0.2", "127.0.0.3"], options.SourceAddresses().Select(a => a.ToString()));
        var settings = options.ClientSettings();
        Assert.Equal(IPAddress.Parse("127.0.0.2"), settings.SourceFor(4));
    }

    [Fact]
    public void SourceAddresses_Ipv6_AreNotBound()
    {
        var options = LoadOptions.Parse(["idle", "--host", "::1", "--sources", "8"]);

        Assert.Empty(options.SourceAddresses());
        Assert.Null(options.ClientSettings().SourceFor(0));
    }

    [Fact]
    public void Parse_Arguments_AreKeptForTheWorkers()
    {
        string[] args = ["chat", "--users", "10", "--rate", "20"];

        Assert.Equal(args, LoadOptions.Parse(args).Arguments);
    }
}
