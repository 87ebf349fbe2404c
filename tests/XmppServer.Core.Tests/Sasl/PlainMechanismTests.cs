using System.Text;
using XmppServer.Core.Accounts;
using XmppServer.Core.Sasl;

namespace XmppServer.Core.Tests.Sasl;

public sealed class PlainMechanismTests
{
    private static readonly AuthenticationOptions Options = new() { ScramIterations = 4096 };

    private static readonly Dictionary<string, StoredCredentials> Accounts = new()
    {
        ["juliet"] = PasswordHasher.Create("r0m30myr0m30", 4096),
    };

    [Theory]
    [InlineData("\0juliet\0r0m30myr0m30")]
    [InlineData("\0JULIET\0r0m30myr0m30")]
    [InlineData("juliet@example.com\0juliet\0r0m30myr0m30")]
    [InlineData("Juliet@Example.com\0juliet\0r0m30myr0m30")]
    public async Task Plain_CorrectPassword_Succeeds(string message)
    {
        var success = Assert.IsType<SaslStep.Success>(await Create().StepAsync(Bytes(message), default));
        Assert.Equal("juliet", success.Username);
        Assert.Null(success.AdditionalData);
    }

    [Theory]
    [InlineData("\0juliet\0wrong")]
    [InlineData("\0juliet\0R0M30MYR0M30")]
    [InlineData("\0juliet\0r0m30myr0m30 ")]
    [InlineData("\0nobody\0r0m30myr0m30")]
    [InlineData("\0foo bar\0r0m30myr0m30")]
    [InlineData("\0juliet\0bad\u0007password")]
    public async Task Plain_WrongPasswordOrUnknownUser_FailsNotAuthorized(string message)
        => AssertFailure(SaslFailureCondition.NotAuthorized, await Create().StepAsync(Bytes(message), default));

    [Fact]
    public async Task Plain_UnknownUser_LooksUpPreparedLocalpart()
    {
        var lookups = new List<string>();
        var mechanism = SaslMechanisms.Create(SaslMechanisms.Plain, SaslTestContext.Create(true, Accounts, lookups: lookups), Options)!;
        AssertFailure(SaslFailureCondition.NotAuthorized, await mechanism.StepAsync(Bytes("\0NoBody\0secret"), default));
        Assert.Equal(["nobody"], lookups);
    }

    [Theory]
    [InlineData("romeo@example.com\0juliet\0r0m30myr0m30")]
    [InlineData("juliet@example.net\0juliet\0r0m30myr0m30")]
    [InlineData("juliet@example.com/balcony\0juliet\0r0m30myr0m30")]
    [InlineData("@@@\0juliet\0r0m30myr0m30")]
    public async Task Plain_AuthzidOfSomeoneElse_FailsInvalidAuthzid(string message)
        => AssertFailure(SaslFailureCondition.InvalidAuthzid, await Create().StepAsync(Bytes(message), default));

    [Theory]
    [InlineData("juliet")]
    [InlineData("\0juliet")]
    [InlineData("\0\0r0m30myr0m30")]
    [InlineData("\0juliet\0")]
    [InlineData("\0juliet\0r0m30\0myr0m30")]
    public async Task Plain_Malformed_FailsMalformedRequest(string message)
        => AssertFailure(SaslFailureCondition.MalformedRequest, await Create().StepAsync(Bytes(message), default));

    [Fact]
    public async Task Plain_NotUtf8_FailsMalformedRequest()
        => AssertFailure(SaslFailureCondition.MalformedRequest,
            await Create().StepAsync(new byte[] { 0, (byte)'j', 0, 0xFF, 0xFE }, default));

    [Fact]
    public async Task Plain_NoInitialResponse_SendsEmptyChallengeThenContinues()
    {
        var mechanism = Create();
        var challenge = Assert.IsType<SaslStep.Challenge>(await mechanism.StepAsync(ReadOnlyMemory<byte>.Empty, default));
        Assert.Empty(challenge.Data);
        Assert.IsType<SaslStep.Success>(await mechanism.StepAsync(Bytes("\0juliet\0r0m30myr0m30"), default));
        AssertFailure(SaslFailureCondition.MalformedRequest, await mechanism.StepAsync(Bytes("\0juliet\0r0m30myr0m30"), default));
    }

    [Fact]
    public async Task Plain_InsecureStream_IsNotCreatedAndRefusesToRun()
    {
        var insecure = SaslTestContext.Create(false, Accounts);
        Assert.Null(SaslMechanisms.Create(SaslMechanisms.Plain, insecure, Options));

        // Even when reached some other way, it does not take a password over an unencrypted stream.
        var mechanism = new PlainMechanism(insecure, Options);
        AssertFailure(SaslFailureCondition.EncryptionRequired, await mechanism.StepAsync(Bytes("\0juliet\0r0m30myr0m30"), default));
    }

    [Fact]
    public void Plain_NotAllowedByOptions_IsNotCreated()
        => Assert.Null(SaslMechanisms.Create(SaslMechanisms.Plain, SaslTestContext.Create(true, Accounts), new AuthenticationOptions { AllowPlain = false }));

    private static ISaslMechanism Create()
        => SaslMechanisms.Create(SaslMechanisms.Plain, SaslTestContext.Create(true, Accounts), Options)
            ?? throw new InvalidOperationException("PLAIN is not offered.");

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static void AssertFailure(SaslFailureCondition expected, SaslStep step)
        => Assert.Equal(expected, Assert.IsType<SaslStep.Failure>(step).Condition);
}
