using Microsoft.Extensions.DependencyInjection;
using XmppServer.Core.Tls;
using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.Security;

/// <summary>
/// A renewed certificate is picked up without a restart: new connections get it, open sessions keep theirs and go on.
/// </summary>
public sealed class CertificateReloadTests
{
    [Fact]
    public async Task Reload_AfterPemFilesReplaced_NewConnectionsGetNewCertificate_OpenSessionKeepsWorking()
    {
        using var files = new CertificateFiles();
        files.Write("first");
        await using var server = await TestServer.StartAsync(files.Settings);
        var alice = await server.CreateUserAsync("alice");
        await using var before = await XmppTestClient.LoginAsync(server, alice, resource: "before");
        var oldHash = before.ServerCertificateHash;

        files.Write("second");
        Assert.True(server.Services.GetRequiredService<CertificateProvider>().Reload());

        // The client trusts only the certificate now in the file: the handshake succeeds only if the server serves it.
        await using var after = await XmppTestClient.LoginAsync(server, alice, resource: "after");
        Assert.NotEqual(oldHash, after.ServerCertificateHash);
        Assert.Equal(files.CurrentHash, after.ServerCertificateHash);

        // The session opened before the reload still carries stanzas both ways.
        await before.SendAsync($"<message to='{after.Jid}' type='chat' id='m1'><body>still here</body></message>");
        var message = await after.ExpectAsync(e => e.Name == "message" && e.Id == "m1", "the message from the old session");
        Assert.Equal(before.Jid!.ToString(), message.From);
        await before.SyncAsync();
        Assert.Equal(oldHash, before.ServerCertificateHash);
    }

    [Fact]
    public async Task Reload_WithUnreadableKey_KeepsServingTheCurrentCertificate()
    {
        using var files = new CertificateFiles();
        files.Write("first");
        await using var server = await TestServer.StartAsync(files.Settings);
        var hash = files.CurrentHash;

        // A renewal caught half-written: the key file does not hold a key.
        await File.WriteAllTextAsync(files.KeyPath, "not a key");
        Assert.False(server.Services.GetRequiredService<CertificateProvider>().Reload());

        files.RestoreCertificateOnly(hash);
        await using var client = await XmppTestClient.ConnectAsync(server, directTls: true);
        Assert.Equal(hash, client.ServerCertificateHash);
    }

    [Fact]
    public async Task Sighup_ToServerProcess_ReloadsCertificate_WithoutDroppingSessions()
    {
        using var files = new CertificateFiles();
        files.Write("first");
        var alice = await ServerProcess.CreateUserAsync(files.Directory, "alice");
        await using var server = await ServerProcess.StartAsync(files.Directory, files.Settings);
        await using var before = await XmppTestClient.LoginAsync(server, alice, resource: "before");
        var oldHash = before.ServerCertificateHash;

        files.Write("second");
        await server.SignalAsync("HUP");

        // The reload runs off the signal handler: poll with fresh connections until one sees the new certificate.
        string? newHash = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (newHash != files.CurrentHash && DateTime.UtcNow < deadline)
        {
            try
            {
                await using var probe = await XmppTestClient.ConnectAsync(server, directTls: true);
                newHash = probe.ServerCertificateHash;
            }
            catch (System.Security.Authentication.AuthenticationException)
            {
                // Still the old certificate, which the probe no longer trusts.
                await Task.Delay(100);
            }
        }

        Assert.Equal(files.CurrentHash, newHash);
        Assert.False(server.HasExited, "SIGHUP must not end the server");

        await using var after = await XmppTestClient.LoginAsync(server, alice, resource: "after");
        await before.SendAsync($"<message to='{after.Jid}' type='chat' id='m1'><body>still here</body></message>");
        await after.ExpectAsync(e => e.Name == "message" && e.Id == "m1", "the message from the session opened before SIGHUP");
        Assert.Equal(oldHash, before.ServerCertificateHash);
    }

    /// <summary>PEM files in a temporary directory (also usable as a data directory), rewritten in place.</summary>
    private sealed class CertificateFiles : IDisposable
    {
        public CertificateFiles()
        {
            Directory = Path.Combine(Path.GetTempPath(), "xmpp-cert-" + Guid.NewGuid().ToString("N"));
            System.IO.Directory.CreateDirectory(Directory);
        }

        public string Directory { get; }

        public string CertificatePath => Path.Combine(Directory, "server.pem");

        public string KeyPath => Path.Combine(Directory, "server.key");

        public string? CurrentHash { get; private set; }

        public Dictionary<string, string?> Settings => new()
        {
            ["Xmpp:Tls:CertificatePath"] = CertificatePath,
            ["Xmpp:Tls:KeyPath"] = KeyPath,
        };

        private Dictionary<string, string> Saved { get; } = [];

        /// <summary>A fresh self-signed certificate and key, replacing the files as a renewal tool does.</summary>
        public void Write(string label)
        {
            var certificate = Path.Combine(Directory, label + ".pem");
            var key = Path.Combine(Directory, label + ".key");
            CertificateProvider.CreateSelfSigned([TestServer.Domain], [], certificate, key);
            File.Copy(key, KeyPath, overwrite: true);
            File.Copy(certificate, CertificatePath, overwrite: true);
            using var loaded = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(CertificatePath);
            CurrentHash = loaded.GetCertHashString();
            Saved[CurrentHash] = certificate;
        }

        /// <summary>Puts a saved certificate back in the certificate file (which the test client trusts), key untouched.</summary>
        public void RestoreCertificateOnly(string? hash) => File.Copy(Saved[hash!], CertificatePath, overwrite: true);

        public void Dispose()
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
