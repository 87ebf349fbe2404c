using System.Security.Cryptography;
using System.Text;
using XmppServer.Core.Accounts;

namespace XmppServer.Core.Tests.Accounts;

public sealed class PasswordHasherTests
{
    [Fact]
    public void Create_ThenVerify_AcceptsOnlyTheSamePassword()
    {
        var credentials = PasswordHasher.Create("correct horse battery staple", 4096);
        Assert.True(PasswordHasher.Verify(credentials, "correct horse battery staple"));
        Assert.False(PasswordHasher.Verify(credentials, "Correct horse battery staple"));
        Assert.False(PasswordHasher.Verify(credentials, "correct horse battery stapl"));
        Assert.False(PasswordHasher.Verify(credentials, string.Empty));
    }

    [Fact]
    public void Create_StoresIterationsSaltAndKeysOfHashLength()
    {
        var credentials = PasswordHasher.Create("pencil", 5000);
        Assert.Equal(5000, credentials.Iterations);
        Assert.Equal(16, credentials.Salt.Length);
        Assert.Equal(20, credentials.Sha1StoredKey.Length);
        Assert.Equal(20, credentials.Sha1ServerKey.Length);
        Assert.Equal(32, credentials.Sha256StoredKey.Length);
        Assert.Equal(32, credentials.Sha256ServerKey.Length);
    }

    [Fact]
    public void Create_SamePasswordTwice_DrawsDifferentSalts()
    {
        var first = PasswordHasher.Create("pencil", 4096);
        var second = PasswordHasher.Create("pencil", 4096);
        Assert.NotEqual(first.Salt, second.Salt);
        Assert.NotEqual(first.Sha256StoredKey, second.Sha256StoredKey);
        Assert.True(PasswordHasher.Verify(second, "pencil"));
    }

    [Theory]
    [InlineData("correct horse battery staple")]
    [InlineData("pencilpencilpencilpencil")]
    [InlineData("p\u00E4ssw\u00F6rd-\u263A")]
    public void Create_StoredBytes_NeverContainThePassword(string password)
    {
        var credentials = PasswordHasher.Create(password, 4096);
        var stored = new[]
        {
            credentials.Salt, credentials.Sha1StoredKey, credentials.Sha1ServerKey, credentials.Sha256StoredKey, credentials.Sha256ServerKey,
        };
        foreach (var encoded in new[] { Encoding.UTF8.GetBytes(password), Encoding.Unicode.GetBytes(password) })
        {
            foreach (var bytes in stored)
            {
                Assert.True(bytes.AsSpan().IndexOf(encoded.AsSpan(0, 4)) < 0);
            }
        }
    }

    [Theory]
    [InlineData("e\u0301t\u00E9", "\u00E9t\u00E9")] // NFC
    [InlineData("pass\u00A0word", "pass word")] // non-ASCII space
    [InlineData("pass\u3000word", "pass word")]
    public void Verify_OpaqueStringEquivalentPassword_Matches(string stored, string typed)
        => Assert.True(PasswordHasher.Verify(PasswordHasher.Create(stored, 4096), typed));

    [Fact]
    public void Verify_FullwidthIsNotMapped_DoesNotMatch()
        => Assert.False(PasswordHasher.Verify(PasswordHasher.Create("ＡＢＣ", 4096), "ABC"));

    [Theory]
    [InlineData("")]
    [InlineData("tab\there")]
    [InlineData("bell\u0007")]
    [InlineData("zero\u200Bwidth")]
    public void Create_InvalidPassword_ThrowsArgumentException(string password)
        => Assert.Throws<ArgumentException>(() => PasswordHasher.Create(password, 4096));

    [Fact]
    public void Create_UnpairedSurrogate_ThrowsArgumentException()
        => Assert.Throws<ArgumentException>(() => PasswordHasher.Create("pass\uD800word", 4096));

    [Fact]
    public void Create_NonPositiveIterations_Throws()
        => Assert.Throws<ArgumentOutOfRangeException>(() => PasswordHasher.Create("pencil", 0));

    [Fact]
    public void Derive_MatchesRfc5802Construction()
    {
        var salt = Convert.FromBase64String("QSXCR+Q6sek8bf92");
        var credentials = PasswordHasher.Derive("pencil", salt, 4096);

        // RFC 5802 §3, computed directly: SaltedPassword = Hi(password, salt, i).
        var salted = Rfc2898DeriveBytes.Pbkdf2("pencil"u8, salt, 4096, HashAlgorithmName.SHA1, 20);
        var clientKey = CryptographicOperations.HmacData(HashAlgorithmName.SHA1, salted, "Client Key"u8);
        Assert.Equal(CryptographicOperations.HashData(HashAlgorithmName.SHA1, clientKey), credentials.Sha1StoredKey);
        Assert.Equal(CryptographicOperations.HmacData(HashAlgorithmName.SHA1, salted, "Server Key"u8), credentials.Sha1ServerKey);
        Assert.Equal(salt, credentials.Salt);
        Assert.Equal(4096, credentials.Iterations);
        Assert.True(PasswordHasher.Verify(credentials, "pencil"));
    }
}
