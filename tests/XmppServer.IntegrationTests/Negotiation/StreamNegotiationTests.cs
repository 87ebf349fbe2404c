using System.Security.Cryptography;
using System.Text;
using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.Negotiation;

/// <summary>RFC 6120 §4-§7 over real sockets: stream headers, STARTTLS, direct TLS, SASL, binding and their errors.</summary>
public sealed class StreamNegotiationTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private Jid _alice = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        _alice = await _server.CreateUserAsync("alice", "wonderland");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task PlainConnection_Features_OfferOnlyRequiredStartTls()
    {
        await using var client = await XmppTestClient.ConnectAsync(_server);
        var features = await client.OpenStreamAsync();

        var starttls = Assert.Single(features.Elements());
        Assert.True(starttls.Is("starttls", Namespaces.Tls));
        Assert.NotNull(starttls.Element("required", Namespaces.Tls));
    }

    [Fact]
    public async Task AfterStartTls_Features_OfferScramPlusAndPlain()
    {
        await using var client = await XmppTestClient.ConnectAsync(_server);
        await client.OpenStreamAsync();
        var features = await client.StartTlsAsync();

        var mechanisms = features.Element("mechanisms", Namespaces.Sasl)!.Elements().Select(m => m.Text).ToList();
        Assert.Equal(["SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"], mechanisms);
        Assert.Null(features.Element("starttls", Namespaces.Tls));
    }

    [Fact]
    public async Task DirectTls_Features_OfferMechanismsWithoutStartTls()
    {
        await using var client = await XmppTestClient.ConnectAsync(_server, directTls: true);
        var features = await client.OpenStreamAsync();

        Assert.Null(features.Element("starttls", Namespaces.Tls));
        Assert.Contains(features.Element("mechanisms", Namespaces.Sasl)!.Elements(), m => m.Text == "SCRAM-SHA-1");
    }

    [Fact]
    public async Task AuthBeforeStartTls_WhenTlsRequired_EndsWithPolicyViolation()
    {
        await using var client = await XmppTestClient.ConnectAsync(_server);
        await client.OpenStreamAsync();
        await client.SendAsync("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFsaWNlAHdvbmRlcmxhbmQ=</auth>");

        await client.ExpectStreamErrorAsync(StreamErrorCondition.PolicyViolation);
    }

    [Fact]
    public async Task StanzaBeforeAuthentication_OverTls_EndsWithNotAuthorized()
    {
        await using var client = await XmppTestClient.ConnectAsync(_server, directTls: true);
        await client.OpenStreamAsync();
        await client.SendAsync("<message to='alice@localhost'><body>hi</body></message>");

        await client.ExpectStreamErrorAsync(StreamErrorCondition.NotAuthorized);
    }

    [Fact]
    public async Task PlainWithWrongPassword_Fails_WithNotAuthorized()
    {
        await using var client = await XmppTestClient.ConnectAsync(_server, directTls: true);
        await client.OpenStreamAsync();
        await client.SendAsync(PlainAuth("alice", "wrong"));

        var failure = await client.NextElementAsync();
        Assert.True(failure.Is("failure", Namespaces.Sasl));
        Assert.NotNull(failure.Element("not-authorized", Namespaces.Sasl));
    }

    [Fact]
    public async Task PlainWithUnknownUser_Fails_ExactlyLikeAWrongPassword()
    {
        // No user enumeration: an unknown account and a wrong password get the same answer.
        var unknown = await FailedPlainAnswerAsync("nobody", "wonderland");
        var wrong = await FailedPlainAnswerAsync("alice", "not-the-password");

        Assert.Equal(wrong, unknown);
        Assert.Contains("<not-authorized/>", unknown, StringComparison.Ordinal);
    }

    private async Task<string> FailedPlainAnswerAsync(string user, string password)
    {
        await using var client = await XmppTestClient.ConnectAsync(_server, directTls: true);
        await client.OpenStreamAsync();
        await client.SendAsync(PlainAuth(user, password));
        return (await client.NextElementAsync()).ToString();
    }

    [Fact]
    public async Task UnknownMechanism_Fails_WithInvalidMechanism()
    {
        await using var client = await XmppTestClient.ConnectAsync(_server, directTls: true);
        await client.OpenStreamAsync();
        await client.SendAsync("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='X-MADE-UP'/>");

        var failure = await client.NextElementAsync();
        Assert.NotNull(failure.Element("invalid-mechanism", Namespaces.Sasl));
    }

    [Fact]
    public async Task BadBase64_Fails_WithIncorrectEncoding()
    {
        await using var client = await XmppTestClient.ConnectAsync(_server, directTls: true);
        await client.OpenStreamAsync();
        await client.SendAsync("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>!!not base64!!</auth>");

        var failure = await client.NextElementAsync();
        Assert.NotNull(failure.Element("incorrect-encoding", Namespaces.Sasl));
    }

    [Theory]
    [InlineData("SCRAM-SHA-1")]
    [InlineData("SCRAM-SHA-256")]
    public async Task Scram_WithRightPassword_SucceedsAndServerProvesItself(string mechanism)
    {
        await using var client = await XmppTestClient.ConnectAsync(_server, directTls: true);
        await client.OpenStreamAsync();
        var scram = new ScramTestClient(mechanism == "SCRAM-SHA-1" ? HashAlgorithmName.SHA1 : HashAlgorithmName.SHA256, "alice", "wonderland");

        await RunScramAsync(client, mechanism, scram);
    }

    [Fact]
    public async Task ScramSha256Plus_WithTlsServerEndPoint_Succeeds()
    {
        await using var client = await XmppTestClient.ConnectAsync(_server, directTls: true);
        var features = await client.OpenStreamAsync();
        var bindingType = features.Element("sasl-channel-binding", "urn:xmpp:sasl-cb:0")?.FirstElement()?.GetAttribute("type");
        Assert.Equal("tls-server-end-point", bindingType);

        // RFC 5929 §4.1: the hash of the server certificate (ECDSA with SHA-256 here).
        var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(_server.CertificatePath);
        var binding = SHA256.HashData(certificate.RawData);
        var scram = new ScramTestClient(HashAlgorithmName.SHA256, "alice", "wonderland", "p=tls-server-end-point,,", binding);

        await RunScramAsync(client, "SCRAM-SHA-256-PLUS", scram);
    }

    [Fact]
    public async Task Bind_WithChosenResource_ReturnsThatFullJid()
    {
        await using var client = await XmppTestClient.LoginAsync(_server, _alice, "wonderland", "laptop");

        Assert.Equal("alice@localhost/laptop", client.Jid!.ToString());
    }

    [Fact]
    public async Task Bind_WithoutResource_GeneratesOne()
    {
        await using var client = await XmppTestClient.LoginAsync(_server, _alice, "wonderland");

        Assert.Equal(_alice, client.Jid!.Bare);
        Assert.False(string.IsNullOrEmpty(client.Jid.Resource));
    }

    [Fact]
    public async Task Bind_SameResourceTwice_OldSessionGetsConflict()
    {
        await using var first = await XmppTestClient.LoginAsync(_server, _alice, "wonderland", "phone");
        await using var second = await XmppTestClient.LoginAsync(_server, _alice, "wonderland", "phone");

        await first.ExpectStreamErrorAsync(StreamErrorCondition.Conflict);
        Assert.Equal("alice@localhost/phone", second.Jid!.ToString());
    }

    [Fact]
    public async Task LegacySessionRequest_GetsEmptyResult()
    {
        await using var client = await XmppTestClient.LoginAsync(_server, _alice, "wonderland");
        await client.SendAsync("<iq type='set' id='sess1'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>");

        var result = await client.NextElementAsync();
        Assert.Equal("result", result.Type);
        Assert.Equal("sess1", result.Id);
        Assert.False(result.HasChildren);
    }

    [Fact]
    public async Task StreamToUnknownDomain_EndsWithHostUnknown()
    {
        await using var client = await XmppTestClient.ConnectAsync(_server);
        await client.SendAsync("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.org' version='1.0'>");

        await client.ExpectStreamErrorAsync(StreamErrorCondition.HostUnknown);
    }

    [Fact]
    public async Task StreamWithWrongContentNamespace_EndsWithInvalidNamespace()
    {
        await using var client = await XmppTestClient.ConnectAsync(_server);
        await client.SendAsync("<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>");

        await client.ExpectStreamErrorAsync(StreamErrorCondition.InvalidNamespace);
    }

    [Fact]
    public async Task StreamWithoutVersion_EndsWithUnsupportedVersion()
    {
        await using var client = await XmppTestClient.ConnectAsync(_server);
        await client.SendAsync("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost'>");

        await client.ExpectStreamErrorAsync(StreamErrorCondition.UnsupportedVersion);
    }

    [Fact]
    public async Task CommentInStream_EndsWithRestrictedXml()
    {
        await using var client = await XmppTestClient.ConnectAsync(_server);
        await client.OpenStreamAsync();
        await client.SendAsync("<!-- hello -->");

        await client.ExpectStreamErrorAsync(StreamErrorCondition.RestrictedXml);
    }

    [Fact]
    public async Task IllFormedXml_EndsWithNotWellFormed()
    {
        await using var client = await XmppTestClient.ConnectAsync(_server);
        await client.OpenStreamAsync();
        await client.SendAsync("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'></proceed>");

        await client.ExpectStreamErrorAsync(StreamErrorCondition.NotWellFormed);
    }

    [Fact]
    public async Task OversizeStanzaBeforeAuthentication_EndsWithPolicyViolation()
    {
        await using var client = await XmppTestClient.ConnectAsync(_server);
        await client.OpenStreamAsync();
        await client.SendAsync("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls' x='" + new string('a', 20_000) + "'/>");

        await client.ExpectStreamErrorAsync(StreamErrorCondition.PolicyViolation);
    }

    [Fact]
    public async Task UnknownTopLevelElement_AfterBind_EndsWithUnsupportedStanzaType()
    {
        await using var client = await XmppTestClient.LoginAsync(_server, _alice, "wonderland");
        await client.SendAsync("<foo xmlns='urn:example:nothing'/>");

        await client.ExpectStreamErrorAsync(StreamErrorCondition.UnsupportedStanzaType);
    }

    [Fact]
    public async Task ClientClosesStream_ServerAnswersWithClosingTag()
    {
        await using var client = await XmppTestClient.LoginAsync(_server, _alice, "wonderland");
        await client.SendAsync("</stream:stream>");

        var streamEvent = await client.NextEventAsync();
        Assert.Equal(XmppStreamEventKind.StreamEnd, streamEvent.Kind);
    }

    private static string PlainAuth(string user, string password)
        => $"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"))}</auth>";

    private static async Task RunScramAsync(XmppTestClient client, string mechanism, ScramTestClient scram)
    {
        await client.SendAsync($"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='{mechanism}'>{Convert.ToBase64String(scram.ClientFirst())}</auth>");
        var challenge = await client.NextElementAsync();
        Assert.True(challenge.Is("challenge", Namespaces.Sasl), challenge.ToString());
        await client.SendAsync($"<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{Convert.ToBase64String(scram.ClientFinal(Convert.FromBase64String(challenge.Text)))}</response>");
        var success = await client.NextElementAsync();
        Assert.True(success.Is("success", Namespaces.Sasl), success.ToString());
        Assert.True(scram.VerifyServerFinal(Convert.FromBase64String(success.Text)));
    }
}
