using System.Globalization;
using XmppServer.LoadTest.Faults;
using Xunit.Abstractions;

namespace XmppServer.FaultTests;

/// <summary>
/// The bounded fault-injection run (the load tool's <c>faults</c> verb, in process): the server as a child process
/// behind a proxy that cuts links around acknowledgements, inside stanzas and at random, one graceful restart and one
/// kill -9, and six clients exchanging numbered messages. Every message must reach its recipient exactly once and in
/// per-sender order, whether live, by resumption, from offline storage or from the archive. A longer soak is
/// <c>dotnet run -c Release --project tests/XmppServer.LoadTest -- faults</c> (see the load tool's README).
/// </summary>
public sealed class ExactlyOnceDeliveryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task NumberedMessages_ThroughLinkCutsARestartAndAKill_ArriveExactlyOnceInOrder()
    {
        var options = new FaultOptions
        {
            Messages = 3000,
            Clients = 6,
            Rate = 150,
            CutsPerMinute = 300,
            Restarts = [RestartKind.Graceful, RestartKind.Kill],
            Drain = 30,
            Timeout = 110,
            ServerDll = ServerBuild.Dll,
        };
        output.WriteLine($"seed {options.Seed}");
        using var progress = new TestOutputWriter(output);

        var result = await FaultRun.RunAsync(options, progress, CancellationToken.None);

        output.WriteLine(FaultCommand.ToReport(result).ToTable());
        output.WriteLine(Summary(result));
        var d = result.Delivery;
        Assert.True(result.Problems().Count == 0, string.Join("; ", [.. result.Problems(), .. d.Samples, .. result.ServerErrors]));
        Assert.Equal((0L, 0L, 0L), (d.Lost, d.Duplicated, d.OutOfOrder));
        Assert.Equal((3000L, 3000L), (d.Acknowledged, d.Delivered));
        Assert.Equal((1L, 1L), (result.GracefulRestarts, result.Kills));
        Assert.True(result.TotalCuts >= 50, $"only {result.TotalCuts} cuts");
        Assert.True(result.Stats.Resumed > 0 && result.Stats.ResumeFailed > 0, "both resumptions and failed resumptions");
        Assert.Equal(0, result.ServerErrorLines);
    }

    /// <summary>One line with the figures CI reports (tests/run-all.sh picks it out of the test results).</summary>
    private static string Summary(FaultRunResult result)
    {
        var d = result.Delivery;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"fault injection: {d.Messages} messages, {result.TotalCuts} cuts, {result.GracefulRestarts} graceful restart(s), {result.Kills} kill(s): "
            + $"{d.Lost} lost, {d.Duplicated} duplicated, {d.OutOfOrder} out of order "
            + $"(first copies live {d.FirstLive}, resumed {d.FirstResumed}, offline {d.FirstOffline}, archive {d.FirstArchive}; "
            + $"{d.Redeliveries} redeliveries and {d.RetransmissionCopies} retransmitted copies dropped) in {result.ElapsedSeconds:0.0} s");
    }
}
