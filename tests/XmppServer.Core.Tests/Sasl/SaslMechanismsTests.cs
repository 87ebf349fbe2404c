using XmppServer.Core.Accounts;
using XmppServer.Core.Sasl;

namespace XmppServer.Core.Tests.Sasl;

public sealed class SaslMechanismsTests
{
    private static readonly AuthenticationOptions Options = new();

    [Fact]
    public void Offered_InsecureStream_ScramOnly()
        => Assert.Equal(
            [SaslMechanisms.ScramSha256, SaslMechanisms.ScramSha1],
            SaslMechanisms.Offered(SaslTestContext.Create(false), Options));

    [Fact]
    public void Offered_SecureStreamWithoutChannelBinding_AddsPlain()
        => Assert.Equal(
            [SaslMechanisms.ScramSha256, SaslMechanisms.ScramSha1, SaslMechanisms.Plain],
            SaslMechanisms.Offered(SaslTestContext.Create(true), Options));

    [Theory]
    [InlineData(SaslMechanisms.TlsServerEndPoint)]
    [InlineData(SaslMechanisms.TlsExporter)]
    public void Offered_SecureStreamWithChannelBinding_PlusVariantsFirst(string type)
        => Assert.Equal(
            [SaslMechanisms.ScramSha256Plus, SaslMechanisms.ScramSha1Plus, SaslMechanisms.ScramSha256, SaslMechanisms.ScramSha1, SaslMechanisms.Plain],
            SaslMechanisms.Offered(SaslTestContext.Create(true, channelBindings: new Dictionary<string, byte[]> { [type] = [1] }), Options));

    [Fact]
    public void Offered_TlsUniqueOnly_NoPlusVariants()
        => Assert.Equal(
            [SaslMechanisms.ScramSha256, SaslMechanisms.ScramSha1, SaslMechanisms.Plain],
            SaslMechanisms.Offered(SaslTestContext.Create(true, channelBindings: new Dictionary<string, byte[]> { [SaslMechanisms.TlsUnique] = [1] }), Options));

    [Fact]
    public void Offered_PlainDisabled_NotListed()
        => Assert.Equal(
            [SaslMechanisms.ScramSha256Plus, SaslMechanisms.ScramSha1Plus, SaslMechanisms.ScramSha256, SaslMechanisms.ScramSha1],
            SaslMechanisms.Offered(
                SaslTestContext.Create(true, channelBindings: new Dictionary<string, byte[]> { [SaslMechanisms.TlsExporter] = [1] }),
                new AuthenticationOptions { AllowPlain = false }));

    [Fact]
    public void ChannelBindingTypes_ListsWhatTheStreamProvides()
    {
        var context = SaslTestContext.Create(true, channelBindings: new Dictionary<string, byte[]>
        {
            [SaslMechanisms.TlsServerEndPoint] = [1],
            [SaslMechanisms.TlsExporter] = [2],
            ["tls-other"] = [3],
        });
        Assert.Equal([SaslMechanisms.TlsExporter, SaslMechanisms.TlsServerEndPoint], SaslMechanisms.ChannelBindingTypes(context));
        Assert.Empty(SaslMechanisms.ChannelBindingTypes(SaslTestContext.Create(false)));
    }

    [Fact]
    public void Create_EachOfferedName_ReturnsFreshMechanismOfThatName()
    {
        var context = SaslTestContext.Create(true, channelBindings: new Dictionary<string, byte[]> { [SaslMechanisms.TlsExporter] = [1] });
        foreach (var name in SaslMechanisms.Offered(context, Options))
        {
            var first = SaslMechanisms.Create(name, context, Options);
            var second = SaslMechanisms.Create(name, context, Options);
            Assert.NotNull(first);
            Assert.Equal(name, first.Name);
            Assert.NotSame(first, second);
        }
    }

    [Theory]
    [InlineData("DIGEST-MD5")]
    [InlineData("scram-sha-256")]
    [InlineData("SCRAM-SHA-256-PLUS")]
    [InlineData("SCRAM-SHA-1-PLUS")]
    [InlineData("PLAIN")]
    [InlineData("")]
    public void Create_NameNotOfferedOnInsecureStream_ReturnsNull(string name)
        => Assert.Null(SaslMechanisms.Create(name, SaslTestContext.Create(false), Options));
}
