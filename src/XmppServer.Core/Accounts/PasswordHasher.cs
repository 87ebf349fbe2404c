using System.Security.Cryptography;
using System.Text;
using XmppServer.Protocol;

namespace XmppServer.Core.Accounts;

/// <summary>Derives what is stored of a password (salted SCRAM keys) and checks a password against it.</summary>
public static class PasswordHasher
{
    /// <summary>Length of a freshly drawn salt.</summary>
    internal const int SaltLength = 16;

    // RFC 5802 §3: the strings mixed into SaltedPassword to split it into the client and server keys.
    private static readonly byte[] ClientKeyLabel = "Client Key"u8.ToArray();
    private static readonly byte[] ServerKeyLabel = "Server Key"u8.ToArray();

    /// <summary>Prepares the password (RFC 8265 OpaqueString), draws a random salt and derives both SCRAM key pairs.</summary>
    /// <exception cref="ArgumentException">The password is empty or holds characters OpaqueString does not allow.</exception>
    public static StoredCredentials Create(string password, int iterations)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        if (Prepare(password) is null)
        {
            throw new ArgumentException("The password is empty or holds characters that are not allowed.", nameof(password));
        }

        return Derive(password, RandomNumberGenerator.GetBytes(SaltLength), iterations);
    }

    /// <summary>True when <paramref name="password"/> matches; compares in constant time. Used by PLAIN.</summary>
    public static bool Verify(StoredCredentials credentials, string password)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(password);
        var prepared = Prepare(password);
        if (prepared is null || credentials.Iterations < 1)
        {
            return false;
        }

        var passwordBytes = Encoding.UTF8.GetBytes(prepared);
        try
        {
            var (storedKey, _) = DeriveKeys(passwordBytes, credentials.Salt, credentials.Iterations, HashAlgorithmName.SHA256);
            return CryptographicOperations.FixedTimeEquals(storedKey, credentials.Sha256StoredKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(passwordBytes);
        }
    }

    /// <summary>
    /// Derives both SCRAM key pairs from a password, a given salt and an iteration count. Create draws the salt; tests
    /// pass the salts of the RFC examples.
    /// </summary>
    /// <exception cref="ArgumentException">The password is empty or holds characters OpaqueString does not allow.</exception>
    internal static StoredCredentials Derive(string password, byte[] salt, int iterations)
    {
        var prepared = Prepare(password)
            ?? throw new ArgumentException("The password is empty or holds characters that are not allowed.", nameof(password));
        var passwordBytes = Encoding.UTF8.GetBytes(prepared);
        try
        {
            var (sha1Stored, sha1Server) = DeriveKeys(passwordBytes, salt, iterations, HashAlgorithmName.SHA1);
            var (sha256Stored, sha256Server) = DeriveKeys(passwordBytes, salt, iterations, HashAlgorithmName.SHA256);
            return new StoredCredentials(iterations, [.. salt], sha1Stored, sha1Server, sha256Stored, sha256Server);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(passwordBytes);
        }
    }

    /// <summary>RFC 5802 §3: StoredKey = H(HMAC(SaltedPassword, "Client Key")), ServerKey = HMAC(SaltedPassword, "Server Key").</summary>
    internal static (byte[] StoredKey, byte[] ServerKey) DeriveKeys(
        ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int iterations, HashAlgorithmName hash)
    {
        var length = HashLength(hash);

        // RFC 5802 §2.2: Hi() is PBKDF2 with HMAC as the PRF and one block of output.
        // SCRAM-SHA-1 is defined with SHA-1, and RFC 6120 §13.8 makes it mandatory to implement.
        var salted = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, hash, length);
        try
        {
            var clientKey = CryptographicOperations.HmacData(hash, salted, ClientKeyLabel);
            var storedKey = CryptographicOperations.HashData(hash, clientKey);
            var serverKey = CryptographicOperations.HmacData(hash, salted, ServerKeyLabel);
            CryptographicOperations.ZeroMemory(clientKey);
            return (storedKey, serverKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(salted);
        }
    }

    internal static int HashLength(HashAlgorithmName hash)
        => hash == HashAlgorithmName.SHA1 ? SHA1.HashSizeInBytes
            : hash == HashAlgorithmName.SHA256 ? SHA256.HashSizeInBytes
            : throw new ArgumentOutOfRangeException(nameof(hash), hash, "Only SHA-1 and SHA-256 are used by SCRAM here.");

    // RFC 8265 §4.2 (as RFC 6120 §6.3.8 and RFC 7622 ask of passwords): OpaqueString, which agrees with SASLprep
    // (RFC 4013) for the passwords people type: NFC, non-ASCII spaces become U+0020, controls are refused.
    private static string? Prepare(string password) => JidPrep.PrepareOpaqueString(password);
}
