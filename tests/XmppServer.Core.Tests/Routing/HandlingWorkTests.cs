using XmppServer.Core.Routing;

namespace XmppServer.Core.Tests.Routing;

public sealed class HandlingWorkTests
{
    [Fact]
    public async Task WhenDone_WithNothingAdded_IsCompleteAtOnce()
    {
        var work = new HandlingWork();

        var done = work.WhenDoneAsync().AsTask();

        Assert.True(done.IsCompletedSuccessfully);
        await done;
    }

    [Fact]
    public async Task WhenDone_WaitsForEveryPieceOfWork()
    {
        var work = new HandlingWork();
        var first = new TaskCompletionSource();
        var second = new TaskCompletionSource();
        work.Add(first.Task);
        work.Add(Task.CompletedTask);
        work.Add(second.Task);

        var done = work.WhenDoneAsync().AsTask();
        first.SetResult();
        await Task.Delay(20);
        Assert.False(done.IsCompleted);

        second.SetResult();
        await done.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task WhenDone_WorkThatFailed_EndsTheWaitWithoutThrowing()
    {
        var work = new HandlingWork();
        work.Add(Task.FromException(new InvalidOperationException("its owner logs this")));
        work.Add(Task.FromCanceled(new CancellationToken(canceled: true)));

        await work.WhenDoneAsync();
    }
}
