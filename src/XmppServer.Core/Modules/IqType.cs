namespace XmppServer.Core.Modules;

public enum IqType
{
    Get,
    Set,
    Result,
    Error,
}
