using System.Security.Cryptography;
using XmppServer.Core.Tls;

namespace XmppServer.Core.Tests.Tls;

public sealed class OpenSslStrictDefaultsTests
{
    [Fact]
    public void Configuration_NamesEveryStrictSuiteInOpenSslsTerms_AndTls12AtLeast()
    {
        var configuration = OpenSslStrictDefaults.Configuration();

        Assert.Contains("MinProtocol = TLSv1.2", configuration, StringComparison.Ordinal);
        Assert.Contains(
            "CipherString = ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
            + "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305\n",
            configuration.ReplaceLineEndings("\n"),
            StringComparison.Ordinal);
        Assert.Contains(
            "Ciphersuites = TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256\n",
            configuration.ReplaceLineEndings("\n"),
            StringComparison.Ordinal);
        Assert.DoesNotContain("CBC", configuration, StringComparison.Ordinal);
    }

    [Fact]
    public void TryInstall_OnceOpenSslIsLoaded_WritesAndSetsNothing()
    {
        // Too late to take effect: the policy must then go with each connection.
        SHA256.HashData([1, 2, 3]);
        var directory = Path.Combine(Path.GetTempPath(), "xmpp-ossl-" + Guid.NewGuid().ToString("N"));

        var installed = OpenSslStrictDefaults.TryInstall(directory);

        Assert.False(installed);
        Assert.False(OpenSslStrictDefaults.Installed);
        Assert.False(Directory.Exists(directory));
    }
}
