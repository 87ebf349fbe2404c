namespace XmppServer.LoadTest.Client;

/// <summary>Where a login failed; each becomes a counter "fail_KIND" in the report.</summary>
internal enum LoginFailure
{
    Connect,
    Tls,
    Stream,
    Auth,
    Bind,
    Timeout,
    Protocol,
}
