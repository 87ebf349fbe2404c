using XmppServer.Core.Sasl;

namespace XmppServer.Core.Tests.Sasl;

public sealed class SaslNameTests
{
    [Theory]
    [InlineData("user", "user")]
    [InlineData("a=2Cb", "a,b")]
    [InlineData("a=3Db", "a=b")]
    [InlineData("=2c=3d", ",=")]
    [InlineData("=3D2C", "=2C")]
    [InlineData("\u00E9", "\u00E9")]
    public void Decode_ValidName_Unescapes(string input, string expected) => Assert.Equal(expected, SaslName.Decode(input));

    [Theory]
    [InlineData("")]
    [InlineData("=")]
    [InlineData("a=")]
    [InlineData("a=2")]
    [InlineData("a=41")]
    [InlineData("a==2C")]
    public void Decode_BadEscape_ReturnsNull(string input) => Assert.Null(SaslName.Decode(input));
}
