using XmppServer.LoadTest.Xml;

namespace XmppServer.LoadTest.Client;

/// <summary>What a scenario hears from its clients after login. Called on the client's receive loop.</summary>
internal interface IClientObserver
{
    void OnMessage(XmppLoadClient client, MiniElement message, long receivedTimestamp);

    void OnPingAnswered(XmppLoadClient client, long roundTripTicks, bool error);

    void OnServerPing(XmppLoadClient client);

    void OnClosed(XmppLoadClient client, string reason);
}
