using System.Reflection;

namespace XmppServer.FaultTests;

/// <summary>The server build these tests start: the XmppServer project's output for the configuration of the tests.</summary>
internal static class ServerBuild
{
    public static string Dll { get; } = typeof(ServerBuild).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ServerDll").Value!;
}
