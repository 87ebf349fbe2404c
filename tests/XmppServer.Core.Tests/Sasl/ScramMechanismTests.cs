using System.Security.Cryptography;
using System.Text.RegularExpressions;
using XmppServer.Core.Accounts;
using XmppServer.Core.Sasl;
using static XmppServer.Core.Tests.Sasl.ScramTestClient;

namespace XmppServer.Core.Tests.Sasl;

public sealed class ScramMechanismTests
{
    private const string ClientNonce = "clientnonce+/!~";
    private static readonly AuthenticationOptions Options = new();
    private static readonly byte[] EndPointData = [1, 2, 3, 4, 5, 6, 7, 8];
    private static readonly byte[] ExporterData = [9, 9, 9, 9];

    private static readonly Dictionary<string, StoredCredentials> Accounts = new()
    {
        ["user"] = PasswordHasher.Derive("pencil", Convert.FromBase64String("QSXCR+Q6sek8bf92"), 4096),
        ["juliet"] = PasswordHasher.Derive("r0m30myr0m30", RandomNumberGenerator.GetBytes(16), 4096),
        ["a,b=c"] = PasswordHasher.Derive("secret", RandomNumberGenerator.GetBytes(16), 4096),
    };

    private static readonly Dictionary<string, byte[]> Bindings = new()
    {
        [SaslMechanisms.TlsServerEndPoint] = EndPointData,
        [SaslMechanisms.TlsExporter] = ExporterData,
    };

    public static TheoryData<string> AllScram => new()
    {
        SaslMechanisms.ScramSha1, SaslMechanisms.ScramSha256, SaslMechanisms.ScramSha1Plus, SaslMechanisms.ScramSha256Plus,
    };

    [Fact]
    public async Task ScramSha1_Rfc5802Example_ProducesExactMessages()
    {
        var mechanism = SaslMechanisms.Create(SaslMechanisms.ScramSha1, SaslTestContext.Create(false, Accounts), Options, "3rfcNHYJY1ZVvWVs7j")!;

        // RFC 5802 §5: the example exchange, message by message.
        var challenge = Assert.IsType<SaslStep.Challenge>(await mechanism.StepAsync(Bytes("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"), default));
        Assert.Equal("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096", Text(challenge.Data));

        var final = "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=";
        var success = Assert.IsType<SaslStep.Success>(await mechanism.StepAsync(Bytes(final), default));
        Assert.Equal("user", success.Username);
        Assert.Equal("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=", Text(success.AdditionalData));
    }

    [Fact]
    public async Task ScramSha256_Rfc7677Example_ProducesExactMessages()
    {
        var accounts = new Dictionary<string, StoredCredentials>
        {
            ["user"] = PasswordHasher.Derive("pencil", Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096),
        };
        var context = SaslTestContext.Create(false, accounts);
        var mechanism = SaslMechanisms.Create(SaslMechanisms.ScramSha256, context, Options, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0")!;

        // RFC 7677 §3: the example exchange, message by message.
        var challenge = Assert.IsType<SaslStep.Challenge>(await mechanism.StepAsync(Bytes("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"), default));
        Assert.Equal("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", Text(challenge.Data));

        var final = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
        var success = Assert.IsType<SaslStep.Success>(await mechanism.StepAsync(Bytes(final), default));
        Assert.Equal("user", success.Username);
        Assert.Equal("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", Text(success.AdditionalData));
    }

    [Theory]
    [MemberData(nameof(AllScram))]
    public async Task Scram_CorrectPassword_SucceedsWithServerSignature(string name)
    {
        var plus = name.EndsWith("-PLUS", StringComparison.Ordinal);
        var client = new ScramTestClient(HashOf(name), "juliet", "r0m30myr0m30", ClientNonce,
            plus ? "p=tls-server-end-point,," : "n,,", plus ? EndPointData : null);

        var step = await RunAsync(Create(name), client);

        var success = Assert.IsType<SaslStep.Success>(step);
        Assert.Equal("juliet", success.Username);
        Assert.Equal(client.ExpectedServerFinal, Text(success.AdditionalData));
    }

    [Theory]
    [MemberData(nameof(AllScram))]
    public async Task Scram_WrongPassword_FailsNotAuthorized(string name)
    {
        var plus = name.EndsWith("-PLUS", StringComparison.Ordinal);
        var client = new ScramTestClient(HashOf(name), "juliet", "wrong", ClientNonce,
            plus ? "p=tls-server-end-point,," : "n,,", plus ? EndPointData : null);

        AssertFailure(SaslFailureCondition.NotAuthorized, await RunAsync(Create(name), client));
    }

    [Fact]
    public async Task Scram_ServerNonce_Is24RandomBytesAppendedToClientNonce()
    {
        var first = await FirstChallengeAsync(Create(SaslMechanisms.ScramSha256), "n,,n=juliet,r=" + ClientNonce);
        var second = await FirstChallengeAsync(Create(SaslMechanisms.ScramSha256), "n,,n=juliet,r=" + ClientNonce);

        var match = Regex.Match(first, "^r=(?<nonce>[^,]+),s=(?<salt>[^,]+),i=4096$");
        Assert.True(match.Success, first);
        var nonce = match.Groups["nonce"].Value;
        Assert.StartsWith(ClientNonce, nonce, StringComparison.Ordinal);
        Assert.Equal(24, Convert.FromBase64String(nonce[ClientNonce.Length..]).Length);
        Assert.NotEqual(first, second);
        Assert.Equal(Convert.ToBase64String(Accounts["juliet"].Salt), match.Groups["salt"].Value);
    }

    [Fact]
    public async Task Scram_UnknownUser_ChallengeHasSameShapeAsKnownUser()
    {
        var known = await FirstChallengeAsync(Create(SaslMechanisms.ScramSha256), "n,,n=juliet,r=" + ClientNonce);
        var unknown = await FirstChallengeAsync(Create(SaslMechanisms.ScramSha256), "n,,n=nobody,r=" + ClientNonce);

        static string Shape(string challenge) => Regex.Replace(challenge, "[A-Za-z0-9+/]", "x");
        Assert.Equal(Shape(known), Shape(unknown));
    }

    [Fact]
    public async Task Scram_UnknownUser_SaltIsStablePerUsernameAndDiffersBetweenUsernames()
    {
        static string Salt(string challenge) => challenge.Split(',')[1];
        var first = await FirstChallengeAsync(Create(SaslMechanisms.ScramSha1), "n,,n=nobody,r=" + ClientNonce);
        var again = await FirstChallengeAsync(Create(SaslMechanisms.ScramSha256), "n,,n=NoBody,r=x" + ClientNonce);
        var other = await FirstChallengeAsync(Create(SaslMechanisms.ScramSha1), "n,,n=somebody,r=" + ClientNonce);

        Assert.Equal(Salt(first), Salt(again));
        Assert.NotEqual(Salt(first), Salt(other));
        Assert.Equal(PasswordHasher.SaltLength, Convert.FromBase64String(Salt(first)[2..]).Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData("pencil")]
    public async Task Scram_UnknownUser_FailsNotAuthorizedAtTheEnd(string password)
    {
        var lookups = new List<string>();
        var mechanism = SaslMechanisms.Create(SaslMechanisms.ScramSha256, SaslTestContext.Create(false, Accounts, lookups: lookups), Options)!;
        var client = new ScramTestClient(HashAlgorithmName.SHA256, "Nobody", password, ClientNonce);

        AssertFailure(SaslFailureCondition.NotAuthorized, await RunAsync(mechanism, client));
        Assert.Equal(["nobody"], lookups);
    }

    [Fact]
    public async Task Scram_UsernameCaseMapped_AuthenticatesAsPreparedLocalpart()
    {
        var client = new ScramTestClient(HashAlgorithmName.SHA256, "JULIET", "r0m30myr0m30", ClientNonce);
        var success = Assert.IsType<SaslStep.Success>(await RunAsync(Create(SaslMechanisms.ScramSha256), client));
        Assert.Equal("juliet", success.Username);
    }

    [Fact]
    public async Task Scram_EscapedUsername_IsDecoded()
    {
        var client = new ScramTestClient(HashAlgorithmName.SHA1, "a,b=c", "secret", ClientNonce);
        Assert.Contains("n=a=2Cb=3Dc,", client.ClientFirst, StringComparison.Ordinal);
        var success = Assert.IsType<SaslStep.Success>(await RunAsync(Create(SaslMechanisms.ScramSha1), client));
        Assert.Equal("a,b=c", success.Username);
    }

    [Theory]
    [InlineData("n,,n=ju=41liet,r=abc")]
    [InlineData("n,,n=juliet=,r=abc")]
    [InlineData("n,,n=juliet=2,r=abc")]
    [InlineData("n,a=juliet=40example.com,n=juliet,r=abc")]
    public async Task Scram_BadSaslnameEscape_FailsMalformedRequest(string clientFirst)
        => AssertFailure(SaslFailureCondition.MalformedRequest, await Create(SaslMechanisms.ScramSha256).StepAsync(Bytes(clientFirst), default));

    [Theory]
    [InlineData("n,,n=foo bar,r=abc")]
    [InlineData("n,,n=juliet@example.com,r=abc")]
    [InlineData("n,,n=\u2163,r=abc")]
    public async Task Scram_UsernameNotALocalpart_FailsNotAuthorized(string clientFirst)
        => AssertFailure(SaslFailureCondition.NotAuthorized, await Create(SaslMechanisms.ScramSha256).StepAsync(Bytes(clientFirst), default));

    [Theory]
    [InlineData("n,a=juliet@example.com,")]
    [InlineData("n,a=Juliet@EXAMPLE.com,")]
    [InlineData("n,a=juliet@example.com.,")]
    public async Task Scram_AuthzidOwnBareJid_Succeeds(string gs2Header)
    {
        var client = new ScramTestClient(HashAlgorithmName.SHA256, "juliet", "r0m30myr0m30", ClientNonce, gs2Header);
        Assert.IsType<SaslStep.Success>(await RunAsync(Create(SaslMechanisms.ScramSha256), client));
    }

    [Theory]
    [InlineData("n,a=romeo@example.com,")]
    [InlineData("n,a=juliet@example.net,")]
    [InlineData("n,a=juliet@example.com/balcony,")]
    [InlineData("n,a=example.com,")]
    [InlineData("n,a=not a jid,")]
    public async Task Scram_AuthzidOfSomeoneElse_FailsInvalidAuthzid(string gs2Header)
    {
        var client = new ScramTestClient(HashAlgorithmName.SHA256, "juliet", "r0m30myr0m30", ClientNonce, gs2Header);
        AssertFailure(SaslFailureCondition.InvalidAuthzid, await Create(SaslMechanisms.ScramSha256).StepAsync(Bytes(client.ClientFirst), default));
    }

    [Theory]
    [InlineData(SaslMechanisms.TlsServerEndPoint)]
    [InlineData(SaslMechanisms.TlsExporter)]
    public async Task ScramPlus_MatchingChannelBinding_Succeeds(string type)
    {
        var client = new ScramTestClient(HashAlgorithmName.SHA256, "juliet", "r0m30myr0m30", ClientNonce, $"p={type},,", Bindings[type]);
        var success = Assert.IsType<SaslStep.Success>(await RunAsync(Create(SaslMechanisms.ScramSha256Plus), client));
        Assert.Equal(client.ExpectedServerFinal, Text(success.AdditionalData));
    }

    [Fact]
    public async Task ScramPlus_TlsUniqueWhenProvided_Succeeds()
    {
        var bindings = new Dictionary<string, byte[]>(Bindings) { [SaslMechanisms.TlsUnique] = [7, 7, 7] };
        var mechanism = SaslMechanisms.Create(SaslMechanisms.ScramSha1Plus, SaslTestContext.Create(true, Accounts, bindings), Options)!;
        var client = new ScramTestClient(HashAlgorithmName.SHA1, "juliet", "r0m30myr0m30", ClientNonce, "p=tls-unique,,", [7, 7, 7]);
        Assert.IsType<SaslStep.Success>(await RunAsync(mechanism, client));
    }

    [Fact]
    public async Task ScramPlus_MismatchedChannelBindingData_FailsNotAuthorized()
    {
        // The client sees a different certificate than the server presented: a man in the middle.
        var client = new ScramTestClient(HashAlgorithmName.SHA256, "juliet", "r0m30myr0m30", ClientNonce,
            "p=tls-server-end-point,,", [8, 7, 6, 5, 4, 3, 2, 1]);
        AssertFailure(SaslFailureCondition.NotAuthorized, await RunAsync(Create(SaslMechanisms.ScramSha256Plus), client));
    }

    [Fact]
    public async Task ScramPlus_ChannelBindingOfOtherType_FailsNotAuthorized()
    {
        var client = new ScramTestClient(HashAlgorithmName.SHA256, "juliet", "r0m30myr0m30", ClientNonce,
            "p=tls-server-end-point,,", ExporterData);
        AssertFailure(SaslFailureCondition.NotAuthorized, await RunAsync(Create(SaslMechanisms.ScramSha256Plus), client));
    }

    [Fact]
    public async Task Scram_Gs2HeaderChangedInFinalMessage_FailsNotAuthorized()
    {
        // c= must repeat the GS2 header of the first message exactly ("y,," instead of "n,,").
        var client = new ScramTestClient(HashAlgorithmName.SHA256, "juliet", "r0m30myr0m30", ClientNonce);
        var step = await RunAsync(Create(SaslMechanisms.ScramSha256), client, challenge => client.ClientFinal(challenge, channelBindingOverride: "eSws"));
        AssertFailure(SaslFailureCondition.NotAuthorized, step);
    }

    [Theory]
    [InlineData("p=tls-unique,,")]
    [InlineData("p=tls-foo,,")]
    [InlineData("p=,,")]
    public async Task ScramPlus_UnavailableChannelBindingType_Fails(string gs2Header)
    {
        var client = new ScramTestClient(HashAlgorithmName.SHA256, "juliet", "r0m30myr0m30", ClientNonce, gs2Header);
        AssertFailure(SaslFailureCondition.NotAuthorized, await Create(SaslMechanisms.ScramSha256Plus).StepAsync(Bytes(client.ClientFirst), default));
    }

    [Theory]
    [InlineData("n,,")]
    [InlineData("y,,")]
    public async Task ScramPlus_WithoutPFlag_FailsMalformedRequest(string gs2Header)
    {
        var client = new ScramTestClient(HashAlgorithmName.SHA256, "juliet", "r0m30myr0m30", ClientNonce, gs2Header);
        AssertFailure(SaslFailureCondition.MalformedRequest, await Create(SaslMechanisms.ScramSha256Plus).StepAsync(Bytes(client.ClientFirst), default));
    }

    [Theory]
    [InlineData(SaslMechanisms.ScramSha1)]
    [InlineData(SaslMechanisms.ScramSha256)]
    public async Task Scram_YFlagWhilePlusOffered_FailsNotAuthorized(string name)
    {
        // RFC 5802 §6: the server did offer -PLUS, so a client believing otherwise was downgraded on the way.
        var client = new ScramTestClient(HashOf(name), "juliet", "r0m30myr0m30", ClientNonce, "y,,");
        AssertFailure(SaslFailureCondition.NotAuthorized, await Create(name).StepAsync(Bytes(client.ClientFirst), default));
    }

    [Fact]
    public async Task Scram_YFlagWithoutPlusOffered_Succeeds()
    {
        var mechanism = SaslMechanisms.Create(SaslMechanisms.ScramSha256, SaslTestContext.Create(true, Accounts), Options)!;
        var client = new ScramTestClient(HashAlgorithmName.SHA256, "juliet", "r0m30myr0m30", ClientNonce, "y,,");
        Assert.IsType<SaslStep.Success>(await RunAsync(mechanism, client));
    }

    [Fact]
    public async Task Scram_PFlagOnNonPlusMechanism_Fails()
    {
        var client = new ScramTestClient(HashAlgorithmName.SHA256, "juliet", "r0m30myr0m30", ClientNonce, "p=tls-server-end-point,,", EndPointData);
        AssertFailure(SaslFailureCondition.MalformedRequest, await Create(SaslMechanisms.ScramSha256).StepAsync(Bytes(client.ClientFirst), default));
    }

    [Fact]
    public async Task Scram_NoInitialResponse_SendsEmptyChallengeThenContinues()
    {
        var mechanism = Create(SaslMechanisms.ScramSha256);
        var empty = Assert.IsType<SaslStep.Challenge>(await mechanism.StepAsync(ReadOnlyMemory<byte>.Empty, default));
        Assert.Empty(empty.Data);

        var client = new ScramTestClient(HashAlgorithmName.SHA256, "juliet", "r0m30myr0m30", ClientNonce);
        Assert.IsType<SaslStep.Success>(await RunAsync(mechanism, client));
    }

    [Fact]
    public async Task Scram_EmptyResponseAfterEmptyChallenge_FailsMalformedRequest()
    {
        var mechanism = Create(SaslMechanisms.ScramSha256);
        await mechanism.StepAsync(ReadOnlyMemory<byte>.Empty, default);
        AssertFailure(SaslFailureCondition.MalformedRequest, await mechanism.StepAsync(ReadOnlyMemory<byte>.Empty, default));
    }

    [Theory]
    [InlineData("hello")]
    [InlineData("n,")]
    [InlineData("x,,n=juliet,r=abc")]
    [InlineData("n,,r=abc,n=juliet")]
    [InlineData("n,,n=juliet")]
    [InlineData("n,,n=,r=abc")]
    [InlineData("n,,n=juliet,r=")]
    [InlineData("n,,n=juliet,r=ab\u00E9")]
    [InlineData("n,,n=juliet,r=ab c")]
    [InlineData("n,,m=ext,n=juliet,r=abc")]
    [InlineData("n,,n=juliet,r=abc,m=ext")]
    [InlineData("n,,n=juliet,r=abc,1=x")]
    [InlineData("n,b=juliet,n=juliet,r=abc")]
    [InlineData("n,,n=jul\u0000iet,r=abc")]
    public async Task Scram_MalformedClientFirst_FailsMalformedRequest(string clientFirst)
        => AssertFailure(SaslFailureCondition.MalformedRequest, await Create(SaslMechanisms.ScramSha256).StepAsync(Bytes(clientFirst), default));

    [Fact]
    public async Task Scram_ClientFirstNotUtf8_FailsMalformedRequest()
        => AssertFailure(SaslFailureCondition.MalformedRequest,
            await Create(SaslMechanisms.ScramSha256).StepAsync(new byte[] { (byte)'n', (byte)',', (byte)',', 0xC3, 0x28 }, default));

    [Fact]
    public async Task Scram_UnknownExtensionInClientFirst_IsIgnored()
    {
        var client = new ScramTestClient(HashAlgorithmName.SHA256, "juliet", "r0m30myr0m30", ClientNonce + ",x=extension");
        Assert.IsType<SaslStep.Success>(await RunAsync(Create(SaslMechanisms.ScramSha256), client));
    }

    [Theory]
    [InlineData("c=biws")]
    [InlineData("c=biws,r={nonce}")]
    [InlineData("r={nonce},c=biws,p={proof}")]
    [InlineData("c=biws,r={nonce},p=")]
    [InlineData("c=biws,r={nonce},p=!!!!")]
    [InlineData("c=biws,r={nonce},p=AAAA")]
    [InlineData("c=bi ws,r={nonce},p={proof}")]
    [InlineData("c=biws,r={nonce},m=x,p={proof}")]
    [InlineData("c=biws,r={nonce},p={proof},x=y")]
    public async Task Scram_MalformedClientFinal_FailsMalformedRequest(string template)
    {
        var client = new ScramTestClient(HashAlgorithmName.SHA256, "juliet", "r0m30myr0m30", ClientNonce);
        var step = await RunAsync(Create(SaslMechanisms.ScramSha256), client, challenge =>
        {
            var good = client.ClientFinal(challenge).Split(',');
            return template.Replace("{nonce}", good[1][2..], StringComparison.Ordinal).Replace("{proof}", good[2][2..], StringComparison.Ordinal);
        });
        AssertFailure(SaslFailureCondition.MalformedRequest, step);
    }

    [Fact]
    public async Task Scram_NonceChangedInFinalMessage_FailsNotAuthorized()
    {
        var client = new ScramTestClient(HashAlgorithmName.SHA256, "juliet", "r0m30myr0m30", ClientNonce);
        var step = await RunAsync(Create(SaslMechanisms.ScramSha256), client, challenge => client.ClientFinal(challenge, nonceOverride: ClientNonce + "other"));
        AssertFailure(SaslFailureCondition.NotAuthorized, step);
    }

    [Fact]
    public async Task Scram_ProofReplayedOnNewExchange_FailsNotAuthorized()
    {
        // A fresh server nonce makes an old client-final-message worthless.
        var client = new ScramTestClient(HashAlgorithmName.SHA256, "juliet", "r0m30myr0m30", ClientNonce);
        string? recorded = null;
        Assert.IsType<SaslStep.Success>(await RunAsync(Create(SaslMechanisms.ScramSha256), client, c => recorded = client.ClientFinal(c)));

        var replay = Create(SaslMechanisms.ScramSha256);
        await replay.StepAsync(Bytes(client.ClientFirst), default);
        AssertFailure(SaslFailureCondition.NotAuthorized, await replay.StepAsync(Bytes(recorded!), default));
    }

    [Fact]
    public async Task Scram_StepAfterCompletion_Fails()
    {
        var mechanism = Create(SaslMechanisms.ScramSha256);
        var client = new ScramTestClient(HashAlgorithmName.SHA256, "juliet", "r0m30myr0m30", ClientNonce);
        Assert.IsType<SaslStep.Success>(await RunAsync(mechanism, client));
        AssertFailure(SaslFailureCondition.MalformedRequest, await mechanism.StepAsync(Bytes("c=biws"), default));
    }

    [Fact]
    public async Task Scram_StepAfterFailure_Fails()
    {
        var mechanism = Create(SaslMechanisms.ScramSha256);
        AssertFailure(SaslFailureCondition.MalformedRequest, await mechanism.StepAsync(Bytes("garbage"), default));
        AssertFailure(SaslFailureCondition.MalformedRequest, await mechanism.StepAsync(Bytes("n,,n=juliet,r=abc"), default));
    }

    private static ISaslMechanism Create(string name)
        => SaslMechanisms.Create(name, SaslTestContext.Create(true, Accounts, Bindings), Options)
            ?? throw new InvalidOperationException($"{name} is not offered.");

    private static HashAlgorithmName HashOf(string name)
        => name.StartsWith(SaslMechanisms.ScramSha256, StringComparison.Ordinal) ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA1;

    private static async Task<string> FirstChallengeAsync(ISaslMechanism mechanism, string clientFirst)
        => Text(Assert.IsType<SaslStep.Challenge>(await mechanism.StepAsync(Bytes(clientFirst), default)).Data);

    private static async Task<SaslStep> RunAsync(ISaslMechanism mechanism, ScramTestClient client, Func<string, string>? final = null)
    {
        var serverFirst = await FirstChallengeAsync(mechanism, client.ClientFirst);
        return await mechanism.StepAsync(Bytes(final is null ? client.ClientFinal(serverFirst) : final(serverFirst)), default);
    }

    private static void AssertFailure(SaslFailureCondition expected, SaslStep step)
        => Assert.Equal(expected, Assert.IsType<SaslStep.Failure>(step).Condition);
}
