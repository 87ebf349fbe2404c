using System.Security.Cryptography;
using System.Text;
using XmppServer.Core.Accounts;

namespace XmppServer.Core.Sasl;

/// <summary>
/// Stand-in credentials for a username with no account, so that an exchange for an unknown user looks and costs the
/// same as one for a known user with a wrong password (RFC 5802 §9: no user enumeration through the salt). They are
/// stable per username for the life of the process, as a real account's salt would be, and match no password.
/// </summary>
internal static class DecoyCredentials
{
    // Drawn once per process: the decoys cannot be predicted from outside, nor told apart from real salts.
    private static readonly byte[] ProcessKey = RandomNumberGenerator.GetBytes(32);

    public static StoredCredentials For(string username, int iterations)
    {
        var seed = HMACSHA256.HashData(ProcessKey, Encoding.UTF8.GetBytes(username));
        return new StoredCredentials(
            iterations,
            Derive(seed, "salt", PasswordHasher.SaltLength),
            Derive(seed, "sha1-stored", SHA1.HashSizeInBytes),
            Derive(seed, "sha1-server", SHA1.HashSizeInBytes),
            Derive(seed, "sha256-stored", SHA256.HashSizeInBytes),
            Derive(seed, "sha256-server", SHA256.HashSizeInBytes));
    }

    private static byte[] Derive(byte[] seed, string purpose, int length)
        => HMACSHA256.HashData(seed, Encoding.ASCII.GetBytes(purpose))[..length];
}
