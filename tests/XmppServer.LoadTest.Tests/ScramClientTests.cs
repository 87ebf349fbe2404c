using System.Security.Cryptography;
using XmppServer.LoadTest.Client;

namespace XmppServer.LoadTest.Tests;

public class ScramClientTests
{
    [Fact]
    public void ScramSha1_Rfc5802Example_ProducesProofAndAcceptsServerSignature()
    {
        // RFC 5802 §5: user "user", password "pencil".
        var client = new ScramClient(HashAlgorithmName.SHA1, "user", "pencil", "fyko+d2lbbFgONRv9qkxdawL");

        Assert.Equal("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL", client.ClientFirstMessage);
        var final = client.ProcessServerFirst("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096");
        Assert.Equal("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=", final);
        Assert.True(client.VerifyServerFinal("v=rmF9pqV8S7suAoZWja4dJRkFsKQ="));
    }

    [Fact]
    public void ScramSha256_Rfc7677Example_ProducesProofAndAcceptsServerSignature()
    {
        // RFC 7677 §3.
        var client = new ScramClient(HashAlgorithmName.SHA256, "user", "pencil", "rOprNGfwEbeRWgbNEkqO");

        var final = client.ProcessServerFirst("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
        Assert.Equal("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", final);
        Assert.True(client.VerifyServerFinal("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="));
    }

    [Fact]
    public void VerifyServerFinal_WrongSignature_IsFalse()
    {
        var client = new ScramClient(HashAlgorithmName.SHA1, "user", "pencil", "fyko+d2lbbFgONRv9qkxdawL");
        client.ProcessServerFirst("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096");

        Assert.False(client.VerifyServerFinal("v=AAAAAAAAAAAAAAAAAAAAAAAAAAA="));
        Assert.False(client.VerifyServerFinal("e=invalid-proof"));
    }

    [Fact]
    public void VerifyServerFinal_BeforeServerFirst_IsFalse()
    {
        var client = new ScramClient(HashAlgorithmName.SHA1, "user", "pencil", "abc");

        Assert.False(client.VerifyServerFinal("v=rmF9pqV8S7suAoZWja4dJRkFsKQ="));
    }

    [Theory]
    [InlineData("r=someoneelse123,s=QSXCR+Q6sek8bf92,i=4096")]
    [InlineData("r=fyko,s=QSXCR+Q6sek8bf92,i=4096")]
    [InlineData("r=fyko+d2lbbFgONRv9qkxdawL,s=QSXCR+Q6sek8bf92,i=4096")]
    public void ProcessServerFirst_NonceNotExtendingOurs_Throws(string serverFirst)
    {
        var client = new ScramClient(HashAlgorithmName.SHA1, "user", "pencil", "fyko+d2lbbFgONRv9qkxdawL");

        Assert.Throws<ScramException>(() => client.ProcessServerFirst(serverFirst));
    }

    [Theory]
    [InlineData("m=ext,r=abcdef,s=QSXCR+Q6sek8bf92,i=4096")]
    [InlineData("r=abcdef,s=QSXCR+Q6sek8bf92")]
    [InlineData("r=abcdef,s=QSXCR+Q6sek8bf92,i=0")]
    [InlineData("r=abcdef,s=!!notbase64!!,i=4096")]
    [InlineData("garbage")]
    public void ProcessServerFirst_Malformed_Throws(string serverFirst)
    {
        var client = new ScramClient(HashAlgorithmName.SHA1, "user", "pencil", "abc");

        Assert.Throws<ScramException>(() => client.ProcessServerFirst(serverFirst));
    }

    [Fact]
    public void ClientFirstMessage_NameWithCommaAndEquals_IsEscaped()
    {
        var client = new ScramClient(HashAlgorithmName.SHA1, "a,b=c", "pencil", "nonce");

        Assert.Equal("n,,n=a=2Cb=3Dc,r=nonce", client.ClientFirstMessage);
    }

    [Fact]
    public void ClientNonce_Generated_IsFreshAndHasNoComma()
    {
        var first = new ScramClient(HashAlgorithmName.SHA1, "user", "pencil").ClientFirstMessage;
        var second = new ScramClient(HashAlgorithmName.SHA1, "user", "pencil").ClientFirstMessage;

        Assert.NotEqual(first, second);
        Assert.DoesNotContain(',', first[(first.IndexOf(",r=", StringComparison.Ordinal) + 3)..]);
    }

    [Fact]
    public void SaltedPasswordCache_SameSaltAndIterations_ComputesOnceAndGivesSameProof()
    {
        var cache = new SaltedPasswordCache();
        const string serverFirst = "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";
        var uncached = new ScramClient(HashAlgorithmName.SHA1, "user", "pencil", "fyko+d2lbbFgONRv9qkxdawL").ProcessServerFirst(serverFirst);

        var first = new ScramClient(HashAlgorithmName.SHA1, "user", "pencil", "fyko+d2lbbFgONRv9qkxdawL", cache).ProcessServerFirst(serverFirst);
        var second = new ScramClient(HashAlgorithmName.SHA1, "user", "pencil", "fyko+d2lbbFgONRv9qkxdawL", cache).ProcessServerFirst(serverFirst);

        Assert.Equal(uncached, first);
        Assert.Equal(first, second);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void SaltedPasswordCache_DifferentHash_KeepsSeparateEntries()
    {
        var cache = new SaltedPasswordCache();
        new ScramClient(HashAlgorithmName.SHA1, "user", "pencil", "abc", cache).ProcessServerFirst("r=abcdef,s=QSXCR+Q6sek8bf92,i=16");
        new ScramClient(HashAlgorithmName.SHA256, "user", "pencil", "abc", cache).ProcessServerFirst("r=abcdef,s=QSXCR+Q6sek8bf92,i=16");

        Assert.Equal(2, cache.Count);
    }
}
