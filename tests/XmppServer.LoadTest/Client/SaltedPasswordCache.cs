using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace XmppServer.LoadTest.Client;

/// <summary>
/// Remembers SaltedPassword per (hash, password, salt, iterations), as real clients keep it between logins
/// (RFC 5802 §5.1 notes that a client may cache it). Without this the load tool would spend more CPU per login
/// on PBKDF2 than a server that stores StoredKey/ServerKey spends in total.
/// </summary>
internal sealed class SaltedPasswordCache
{
    private readonly ConcurrentDictionary<(string Hash, string Password, string Salt, int Iterations), byte[]> _entries = new();

    public int Count => _entries.Count;

    public byte[] GetOrCompute(HashAlgorithmName hash, string password, string salt, int iterations, Func<byte[]> compute)
        => _entries.GetOrAdd((hash.Name ?? string.Empty, password, salt, iterations), static (_, f) => f(), compute);
}
