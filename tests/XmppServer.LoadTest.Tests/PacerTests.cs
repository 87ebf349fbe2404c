using XmppServer.LoadTest.Scenarios;

namespace XmppServer.LoadTest.Tests;

public class PacerTests
{
    [Fact]
    public async Task RunAsync_CountLimit_IssuesExactlyThatManyInOrder()
    {
        var seen = new List<long>();

        var issued = await Pacer.RunAsync(100_000, 500, null, i =>
        {
            seen.Add(i);
            return ValueTask.CompletedTask;
        }, CancellationToken.None);

        Assert.Equal(500, issued);
        Assert.Equal(Enumerable.Range(0, 500).Select(i => (long)i), seen);
    }

    [Fact]
    public async Task RunAsync_DurationLimit_IssuesRateTimesDuration()
    {
        long count = 0;

        var issued = await Pacer.RunAsync(1000, null, TimeSpan.FromMilliseconds(100), _ =>
        {
            count++;
            return ValueTask.CompletedTask;
        }, CancellationToken.None);

        Assert.Equal(100, issued);
        Assert.Equal(100, count);
    }

    [Fact]
    public async Task RunAsync_Cancelled_Throws()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Pacer.RunAsync(1, 10, null, _ => ValueTask.CompletedTask, cts.Token));
    }
}
