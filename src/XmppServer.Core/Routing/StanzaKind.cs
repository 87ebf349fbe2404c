namespace XmppServer.Core.Routing;

public enum StanzaKind
{
    Message,
    Presence,
    Iq,
}
