using System.Diagnostics;
using System.Text;
using XmppServer.Core.Connections;
using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.Security;

/// <summary>
/// What protects passwords: no PLAIN in the clear, repeated guesses get slower answers per source and per account,
/// unknown accounts look like known ones, and every failure leaves a line fail2ban can act on.
/// </summary>
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
    public async Task RepeatedFailures_FromOneSource_AcrossAccounts_GetSlowerVerdicts_EvenForRightPassword()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateUserAsync("alice", "wonderland");

        // Password spraying: one guess per account, all from one address, so only the source count grows.
        var failures = AuthenticationThrottle.FreeSourceFailures + 2;
        for (var i = 0; i < failures; i++)
        {
            var (answer, _) = await PlainFromAsync(server, System.Net.IPAddress.Loopback, "user" + i, "guess");
            Assert.Contains("<not-authorized/>", answer, StringComparison.Ordinal);
        }

        // Now every verdict for this source waits (1 s at this count), a right password included, so that a quick
        // answer never gives a right guess away.
        var (success, elapsed) = await PlainFromAsync(server, System.Net.IPAddress.Loopback, "alice", "wonderland");
        Assert.StartsWith("<success", success, StringComparison.Ordinal);
        Assert.True(elapsed >= TimeSpan.FromMilliseconds(800), $"the verdict came after only {elapsed.TotalMilliseconds} ms");

        // Another address is not slowed down by this one's failures.
        var (other, otherElapsed) = await PlainFromAsync(server, Source(2), "alice", "wonderland");
        Assert.StartsWith("<success", other, StringComparison.Ordinal);
        Assert.True(otherElapsed < elapsed, $"other source {otherElapsed.TotalMilliseconds} ms, throttled source {elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task FailuresForOneAccount_FromManySources_HoldTheNextVerdict_ForOwnerToo_WhoStillGetsIn()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateUserAsync("alice", "wonderland");

        // A guesser spread over several addresses: one failure each, so no source is slowed down.
        for (var i = 0; i < AuthenticationThrottle.FreeAccountFailures; i++)
        {
            var (answer, elapsed) = await PlainFromAsync(server, Source(10 + i), "alice", "guess" + i);
            Assert.Contains("<not-authorized/>", answer, StringComparison.Ordinal);
            Assert.True(elapsed < TimeSpan.FromSeconds(1), $"free failure {i} took {elapsed.TotalMilliseconds} ms");
        }

        // The account is now throttled: even the owner with the right password, from a fresh address, waits for the
        // verdict (so the wait tells nothing about the password), and then gets in.
        var (success, wait) = await PlainFromAsync(server, Source(20), "alice", "wonderland");
        Assert.StartsWith("<success", success, StringComparison.Ordinal);
        Assert.True(wait >= TimeSpan.FromMilliseconds(800), $"the throttled verdict came after only {wait.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task AccountThrottle_TreatsUnknownUserLikeKnownUser()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateUserAsync("alice", "wonderland");
        var known = new List<(string Answer, TimeSpan Elapsed)>();
        var unknown = new List<(string Answer, TimeSpan Elapsed)>();

        // One account after the other: the account hold runs from each account's own last failure.
        for (var i = 0; i <= AuthenticationThrottle.FreeAccountFailures; i++)
        {
            known.Add(await PlainFromAsync(server, Source(30 + i), "alice", "guess" + i));
        }

        for (var i = 0; i <= AuthenticationThrottle.FreeAccountFailures; i++)
        {
            unknown.Add(await PlainFromAsync(server, Source(40 + i), "nobody", "guess" + i));
        }

        // No user enumeration: the same answers, and the same throttling schedule.
        Assert.Equal(known.Select(k => k.Answer), unknown.Select(u => u.Answer));
        Assert.True(known[^1].Elapsed >= TimeSpan.FromMilliseconds(800), $"known account: {known[^1].Elapsed.TotalMilliseconds} ms");
        Assert.True(unknown[^1].Elapsed >= TimeSpan.FromMilliseconds(800), $"unknown account: {unknown[^1].Elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task FailedAuthentication_LogsOneFail2banLine_WithUserAndSourceAddress()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "xmpp-it-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDirectory);
        try
        {
            await using var server = await ServerProcess.StartAsync(dataDirectory);
            await PlainFromAsync(server, System.Net.IPAddress.Loopback, "mallory", "guess");

            // The failregex documented in the README, with fail2ban's <HOST> as an address group.
            var failRegex = new System.Text.RegularExpressions.Regex(
                @"Authentication failed for (?<user>\S+) from (?<host>[0-9A-Fa-f:.]+) \(",
                System.Text.RegularExpressions.RegexOptions.None,
                TimeSpan.FromSeconds(1));
            System.Text.RegularExpressions.Match? match = null;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while ((match is null || !match.Success) && DateTime.UtcNow < deadline)
            {
                match = failRegex.Match(server.Output);
                if (!match.Success)
                {
                    await Task.Delay(50);
                }
            }

            Assert.True(match!.Success, $"no fail2ban line in:\n{server.Output}");
            Assert.Equal("mallory@localhost", match.Groups["user"].Value);
            Assert.Equal("127.0.0.1", match.Groups["host"].Value);
            Assert.DoesNotContain("guess", server.Output, StringComparison.Ordinal);
            Assert.Single(failRegex.Matches(server.Output));
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private static System.Net.IPAddress Source(int last) => new([127, 0, 0, (byte)last]);

    /// <summary>One PLAIN attempt over direct TLS from <paramref name="source"/>: the answer and how long it took.</summary>
    private static async Task<(string Answer, TimeSpan Elapsed)> PlainFromAsync(IXmppServerEndpoint server, System.Net.IPAddress source, string user, string password)
    {
        await using var client = await XmppTestClient.ConnectAsync(server, directTls: true, localAddress: source);
        await client.OpenStreamAsync();
        var watch = Stopwatch.StartNew();
        await client.SendAsync(PlainAuth(user, password));
        var answer = await client.NextElementAsync(TimeSpan.FromSeconds(90));
        return (answer.ToString(), watch.Elapsed);
    }

    private static string PlainAuth(string user, string password)
        => $"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"))}</auth>";
}
