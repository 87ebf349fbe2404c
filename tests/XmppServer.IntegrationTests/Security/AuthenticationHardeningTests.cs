using System.Diagnostics;
using System.Text;
using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.Security;

/// <summary>What protects passwords: no PLAIN in the clear, and repeated guesses get slower answers.</summary>
public sealed class AuthenticationHardeningTests
{
    private static readonly Dictionary<string, string?> EncryptionOptional = new() { ["Xmpp:Connections:RequireEncryption"] = "false" };

    [Fact]
    public async Task PlaintextFeatures_WhenEncryptionOptional_OfferScramButNotPlain_AndOptionalStartTls()
    {
        await using var server = await TestServer.StartAsync(EncryptionOptional);
        await using var client = await XmppTestClient.ConnectAsync(server);

        var features = await client.OpenStreamAsync();

        // RFC 6120 §5.3.1: STARTTLS is offered, but not as mandatory-to-negotiate.
        var starttls = features.Element("starttls", Namespaces.Tls);
        Assert.NotNull(starttls);
        Assert.Null(starttls!.Element("required", Namespaces.Tls));

        // RFC 4616 §6: PLAIN never in the clear; SCRAM (RFC 5802) is safe without TLS, though without channel binding.
        var mechanisms = features.Element("mechanisms", Namespaces.Sasl)!.Elements().Select(m => m.Text).ToList();
        Assert.Contains("SCRAM-SHA-256", mechanisms);
        Assert.Contains("SCRAM-SHA-1", mechanisms);
        Assert.DoesNotContain("PLAIN", mechanisms);
        Assert.DoesNotContain(mechanisms, m => m.EndsWith("-PLUS", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PlainAuthInTheClear_WhenEncryptionOptional_FailsWithInvalidMechanism()
    {
        await using var server = await TestServer.StartAsync(EncryptionOptional);
        await server.CreateUserAsync("alice", "wonderland");
        await using var client = await XmppTestClient.ConnectAsync(server);
        await client.OpenStreamAsync();

        await client.SendAsync(PlainAuth("alice", "wonderland"));

        var failure = await client.NextElementAsync();
        Assert.True(failure.Is("failure", Namespaces.Sasl), $"expected a SASL failure, got {failure}");
        Assert.NotNull(failure.Element("invalid-mechanism", Namespaces.Sasl));
    }

    [Fact]
    public async Task RepeatedWrongPasswords_FromOneSource_GetSlowerAnswers()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateUserAsync("alice", "wonderland");
        await using var client = await XmppTestClient.ConnectAsync(server, directTls: true);
        await client.OpenStreamAsync();

        var elapsed = new List<TimeSpan>();
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            var watch = Stopwatch.StartNew();
            await client.SendAsync(PlainAuth("alice", "guess" + attempt));
            var failure = await client.NextElementAsync(TimeSpan.FromSeconds(30));
            elapsed.Add(watch.Elapsed);
            Assert.NotNull(failure.Element("not-authorized", Namespaces.Sasl));
        }

        // A bound that shows the throttle exists, not a benchmark of its schedule.
        Assert.True(elapsed[3] >= TimeSpan.FromMilliseconds(500), $"the 4th failure took only {elapsed[3].TotalMilliseconds} ms");
    }

    private static string PlainAuth(string user, string password)
        => $"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"))}</auth>";
}
