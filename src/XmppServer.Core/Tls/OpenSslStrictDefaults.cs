using System.Globalization;
using System.Net.Security;
using System.Runtime.InteropServices;
using System.Text;

namespace XmppServer.Core.Tls;

/// <summary>
/// Makes the Strict cipher policy OpenSSL's own default for this process, so that connections can share one OpenSSL
/// context. .NET gives every connection a context of its own whenever a CipherSuitesPolicy is set (measured: 49.7
/// instead of 37.5 KB per idle session, and no TLS session resumption); with the policy in OpenSSL's system defaults
/// instead, no CipherSuitesPolicy is needed and the handshake still refuses anything but the Strict suites.
/// </summary>
/// <remarks>
/// OpenSSL reads its configuration once, when the runtime first uses it, from the file named by OPENSSL_CONF. So this
/// writes a configuration with the Strict suites and points OPENSSL_CONF at it, and only while libssl and libcrypto are
/// not loaded yet (checked in /proc/self/maps): later it could not take effect. An operator's own OPENSSL_CONF is left
/// alone. Whenever it does not install, connections get the CipherSuitesPolicy as before; either way the handshake
/// enforces the same suites.
/// </remarks>
public static class OpenSslStrictDefaults
{
    public const string FileName = "openssl-strict.cnf";

    private static int _installed;

    private delegate int SetEnv(nint name, nint value, int overwrite);

    /// <summary>True once OpenSSL's defaults are the Strict policy (set before OpenSSL was loaded).</summary>
    public static bool Installed => Volatile.Read(ref _installed) == 1;

    /// <summary>
    /// The configuration: TLS 1.2 and 1.3 (<see cref="TlsPolicy.Protocols"/>) and <see cref="TlsPolicy.CipherSuites"/>,
    /// in OpenSSL's names, as the defaults every SSL context starts from.
    /// </summary>
    public static string Configuration()
    {
        var tls13 = TlsPolicy.CipherSuites.Where(IsTls13).Select(suite => suite.ToString());
        var tls12 = TlsPolicy.CipherSuites.Where(suite => !IsTls13(suite)).Select(OpenSslName);
        var text = new StringBuilder();
        text.AppendLine("# Written by XmppServer at start (Xmpp:Tls:CipherPolicy=Strict): the suites every connection may use.");
        text.AppendLine("openssl_conf = xmppserver_init");
        text.AppendLine("[xmppserver_init]");
        text.AppendLine("ssl_conf = xmppserver_ssl");
        text.AppendLine("[xmppserver_ssl]");
        text.AppendLine("system_default = xmppserver_tls");
        text.AppendLine("[xmppserver_tls]");
        text.AppendLine("MinProtocol = TLSv1.2");
        text.AppendLine(CultureInfo.InvariantCulture, $"CipherString = {string.Join(':', tls12)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Ciphersuites = {string.Join(':', tls13)}");
        return text.ToString();
    }

    /// <summary>
    /// Writes the configuration into <paramref name="directory"/> and sets OPENSSL_CONF; false (and nothing set) on any
    /// platform but Linux, with an operator's OPENSSL_CONF, or once OpenSSL is loaded.
    /// </summary>
    public static bool TryInstall(string directory)
    {
        if (Installed)
        {
            return true;
        }

        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("OPENSSL_CONF") is not null || OpenSslLoaded()
            || !NativeLibrary.TryLoad("libc.so.6", out var libc) || !NativeLibrary.TryGetExport(libc, "setenv", out var export))
        {
            return false;
        }

        // Made before anything is written (it only reads TlsPolicy.CipherSuites, which loads nothing).
        var configuration = Configuration();
        var path = Path.GetFullPath(Path.Combine(directory, FileName));
        try
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(path, configuration);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A data directory we cannot write to is reported where the server needs it (the database, the
            // certificate); here it only means the policy goes with each connection.
            return false;
        }

        // Environment.SetEnvironmentVariable changes only the runtime's own copy on Unix; OpenSSL reads the C library's.
        var setenv = Marshal.GetDelegateForFunctionPointer<SetEnv>(export);
        var name = Marshal.StringToCoTaskMemUTF8("OPENSSL_CONF");
        var value = Marshal.StringToCoTaskMemUTF8(path);
        try
        {
            if (setenv(name, value, 1) != 0)
            {
                return false;
            }
        }
        finally
        {
            Marshal.FreeCoTaskMem(name);
            Marshal.FreeCoTaskMem(value);
        }

        // Loaded meanwhile, it may have read its configuration before OPENSSL_CONF was set: then trust nothing.
        if (OpenSslLoaded())
        {
            return false;
        }

        Volatile.Write(ref _installed, 1);
        return true;
    }

    private static bool OpenSslLoaded()
    {
        try
        {
            return MappedLibraries.Find("libssl.so", "libcrypto.so").Count > 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }

    private static bool IsTls13(TlsCipherSuite suite) => suite.ToString() is ['T', 'L', 'S', '_', 'A' or 'C', ..];

    /// <summary>OpenSSL's name of a TLS 1.2 ECDHE AEAD suite, e.g. ECDHE-ECDSA-AES128-GCM-SHA256.</summary>
    private static string OpenSslName(TlsCipherSuite suite)
    {
        var parts = suite.ToString()["TLS_".Length..].Replace("_WITH_", "_", StringComparison.Ordinal).Split('_');

        // ECDHE ECDSA|RSA AES 128 GCM SHA256, or ECDHE ECDSA|RSA CHACHA20 POLY1305 SHA256.
        return parts switch
        {
            ["ECDHE", var auth, "AES", var bits, "GCM", var hash] => $"ECDHE-{auth}-AES{bits}-GCM-{hash}",
            ["ECDHE", var auth, "CHACHA20", "POLY1305", _] => $"ECDHE-{auth}-CHACHA20-POLY1305",
            _ => throw new InvalidOperationException($"No OpenSSL name known for {suite}"),
        };
    }
}
