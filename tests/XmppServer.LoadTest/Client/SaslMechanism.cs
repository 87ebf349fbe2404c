namespace XmppServer.LoadTest.Client;

internal enum SaslMechanism
{
    ScramSha1,
    ScramSha256,
    Plain,
}
