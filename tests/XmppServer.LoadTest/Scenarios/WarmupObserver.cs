using XmppServer.LoadTest.Client;
using XmppServer.LoadTest.Xml;

namespace XmppServer.LoadTest.Scenarios;

/// <summary>Waits for the warm-up client's ping answer.</summary>
internal sealed class WarmupObserver : IClientObserver
{
    private readonly TaskCompletionSource _answered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Answered => _answered.Task;

    public void OnMessage(XmppLoadClient client, MiniElement message, long receivedTimestamp)
    {
    }

    public void OnPingAnswered(XmppLoadClient client, long roundTripTicks, bool error) => _answered.TrySetResult();

    public void OnServerPing(XmppLoadClient client)
    {
    }

    public void OnClosed(XmppLoadClient client, string reason) => _answered.TrySetException(new IOException(reason));
}
