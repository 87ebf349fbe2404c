using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using XmppServer.Core.Accounts;
using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.Security;

/// <summary>
/// RFC 5802 §9: a SCRAM exchange must not reveal whether an account exists. An unknown user gets a server-first
/// message of the same form as a known one, with a salt that stays the same on every try (a real account's does),
/// and the configured iteration count, which accounts created by the server use too.
/// </summary>
public sealed partial class UserEnumerationTests : IAsyncLifetime
{
    private const int Iterations = 6000;

    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Xmpp:Authentication:ScramIterations"] = Iterations.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var accounts = _server.Services.GetRequiredService<AccountManager>();
        Assert.Equal(AccountResult.Success, await accounts.CreateAsync(Jid.Parse("alice@localhost"), "wonderland", CancellationToken.None));
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("SCRAM-SHA-1")]
    [InlineData("SCRAM-SHA-256")]
    public async Task ServerFirst_ForUnknownUser_HasKnownUsersForm_StableSalt_AndConfiguredIterations(string mechanism)
    {
        var known = await ServerFirstAsync(mechanism, "alice");
        var knownAgain = await ServerFirstAsync(mechanism, "alice");
        var unknown = await ServerFirstAsync(mechanism, "nobody");
        var unknownAgain = await ServerFirstAsync(mechanism, "nobody");
        var otherUnknown = await ServerFirstAsync(mechanism, "somebody");

        // The same attributes in the same order, the same lengths: the form tells nothing.
        Assert.Equal(Form(known.Message), Form(unknown.Message));

        // A real salt is stable; so is the stand-in, which differs between names as real salts do.
        Assert.Equal(known.Salt, knownAgain.Salt);
        Assert.Equal(unknown.Salt, unknownAgain.Salt);
        Assert.NotEqual(unknown.Salt, otherUnknown.Salt);
        Assert.Equal(Convert.FromBase64String(known.Salt).Length, Convert.FromBase64String(unknown.Salt).Length);

        // Xmpp:Authentication:ScramIterations reaches both stored accounts and the stand-ins.
        Assert.Equal(Iterations, known.Iterations);
        Assert.Equal(Iterations, unknown.Iterations);
    }

    [Fact]
    public async Task ScramIterations_BelowRfc7677Minimum_FailsStartup()
    {
        // RFC 7677 §4: at least 4096 iterations.
        await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(
            () => TestServer.StartAsync(new Dictionary<string, string?> { ["Xmpp:Authentication:ScramIterations"] = "1000" }));
    }

    private async Task<(string Message, string Salt, int Iterations)> ServerFirstAsync(string mechanism, string user)
    {
        await using var client = await XmppTestClient.ConnectAsync(_server, directTls: true);
        await client.OpenStreamAsync();
        var clientFirst = Convert.ToBase64String(Encoding.UTF8.GetBytes($"n,,n={user},r=fyko+d2lbbFgONRv9qkxdawL"));
        await client.SendAsync($"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='{mechanism}'>{clientFirst}</auth>");
        var challenge = await client.NextElementAsync();
        Assert.True(challenge.Is("challenge", Namespaces.Sasl), $"expected a challenge, got {challenge}");
        var message = Encoding.UTF8.GetString(Convert.FromBase64String(challenge.Text));
        var match = ServerFirstPattern().Match(message);
        Assert.True(match.Success, message);
        return (message, match.Groups["salt"].Value, int.Parse(match.Groups["i"].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    private static string Form(string message) => Regex.Replace(message, "[A-Za-z0-9+/]", "x", RegexOptions.None, TimeSpan.FromSeconds(1));

    // RFC 5802 §7: server-first-message = [reserved-mext ","] nonce "," salt "," iteration-count ["," extensions].
    [GeneratedRegex("^r=(?<nonce>[^,]+),s=(?<salt>[A-Za-z0-9+/=]+),i=(?<i>[0-9]+)$")]
    private static partial Regex ServerFirstPattern();
}
