using System.Security.Cryptography;
using System.Text;

namespace XmppServer.LoadTest.Client;

/// <summary>
/// The client side of SCRAM (RFC 5802; SCRAM-SHA-256 per RFC 7677) without channel binding ("n,," GS2 header).
/// Messages are the UTF-8 strings inside the SASL exchange; base64 is the caller's job (RFC 6120 §6.4.2).
/// SASLprep is not applied: the load accounts use ASCII names and passwords, where it is the identity.
/// </summary>
internal sealed class ScramClient
{
    // RFC 5802 §7: gs2-header for a client that does not support channel binding.
    private const string Gs2Header = "n,,";

    private readonly HashAlgorithmName _hash;
    private readonly string _password;
    private readonly SaltedPasswordCache? _cache;
    private readonly string _clientNonce;
    private readonly string _clientFirstBare;
    private byte[]? _expectedServerSignature;

    public ScramClient(HashAlgorithmName hash, string username, string password, string? clientNonce = null, SaltedPasswordCache? cache = null)
    {
        if (hash != HashAlgorithmName.SHA1 && hash != HashAlgorithmName.SHA256)
        {
            throw new ArgumentException("SCRAM-SHA-1 or SCRAM-SHA-256 only", nameof(hash));
        }

        _hash = hash;
        _password = password;
        _cache = cache;

        // RFC 5802 §5.1: the nonce is printable ASCII without ','; base64 of random bytes qualifies.
        _clientNonce = clientNonce ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
        _clientFirstBare = $"n={EscapeName(username)},r={_clientNonce}";
    }

    public string Mechanism => _hash == HashAlgorithmName.SHA1 ? "SCRAM-SHA-1" : "SCRAM-SHA-256";

    /// <summary>client-first-message = gs2-header client-first-message-bare (RFC 5802 §7).</summary>
    public string ClientFirstMessage => Gs2Header + _clientFirstBare;

    /// <summary>Takes server-first-message and returns client-final-message with the proof.</summary>
    public string ProcessServerFirst(string serverFirst)
    {
        string? nonce = null;
        string? salt = null;
        string? iterations = null;
        foreach (var part in serverFirst.Split(','))
        {
            if (part.Length < 2 || part[1] != '=')
            {
                throw new ScramException($"malformed server-first-message attribute '{part}'");
            }

            switch (part[0])
            {
                case 'r': nonce = part[2..]; break;
                case 's': salt = part[2..]; break;
                case 'i': iterations = part[2..]; break;

                // RFC 5802 §5.1: "m" is reserved for a mandatory extension this client does not know.
                case 'm': throw new ScramException("server requires an unsupported SCRAM extension");
                default: break;
            }
        }

        if (nonce is null || salt is null || iterations is null)
        {
            throw new ScramException("server-first-message lacks r, s or i");
        }

        // RFC 5802 §5.1: the server's nonce starts with the client's and adds to it.
        if (!nonce.StartsWith(_clientNonce, StringComparison.Ordinal) || nonce.Length == _clientNonce.Length)
        {
            throw new ScramException("server nonce does not extend the client nonce");
        }

        if (!int.TryParse(iterations, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count) || count < 1)
        {
            throw new ScramException("bad iteration count");
        }

        byte[] saltBytes;
        try
        {
            saltBytes = Convert.FromBase64String(salt);
        }
        catch (FormatException)
        {
            throw new ScramException("salt is not base64");
        }

        // RFC 5802 §3: SaltedPassword := Hi(Normalize(password), salt, i); Hi is PBKDF2 with HMAC of the hash.
        var saltedPassword = _cache?.GetOrCompute(_hash, _password, salt, count, () => Hi(saltBytes, count))
            ?? Hi(saltBytes, count);

        // c= is base64(gs2-header): "biws" for "n,,".
        var clientFinalWithoutProof = $"c={Convert.ToBase64String(Encoding.ASCII.GetBytes(Gs2Header))},r={nonce}";
        var authMessage = Encoding.UTF8.GetBytes($"{_clientFirstBare},{serverFirst},{clientFinalWithoutProof}");

        // ClientKey := HMAC(SaltedPassword, "Client Key"); StoredKey := H(ClientKey);
        // ClientSignature := HMAC(StoredKey, AuthMessage); ClientProof := ClientKey XOR ClientSignature.
        var clientKey = Hmac(saltedPassword, "Client Key"u8);
        var storedKey = Hash(clientKey);
        var clientSignature = Hmac(storedKey, authMessage);
        var proof = new byte[clientKey.Length];
        for (var i = 0; i < proof.Length; i++)
        {
            proof[i] = (byte)(clientKey[i] ^ clientSignature[i]);
        }

        // ServerKey := HMAC(SaltedPassword, "Server Key"); ServerSignature := HMAC(ServerKey, AuthMessage).
        var serverKey = Hmac(saltedPassword, "Server Key"u8);
        _expectedServerSignature = Hmac(serverKey, authMessage);

        return $"{clientFinalWithoutProof},p={Convert.ToBase64String(proof)}";
    }

    /// <summary>RFC 5802 §3: the client authenticates the server by comparing ServerSignature (v=).</summary>
    public bool VerifyServerFinal(string serverFinal)
    {
        if (_expectedServerSignature is null || !serverFinal.StartsWith("v=", StringComparison.Ordinal))
        {
            return false;
        }

        var end = serverFinal.IndexOf(',');
        var value = end < 0 ? serverFinal[2..] : serverFinal[2..end];
        try
        {
            return CryptographicOperations.FixedTimeEquals(Convert.FromBase64String(value), _expectedServerSignature);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>RFC 5802 §5.1: in saslname, '=' becomes "=3D" and ',' becomes "=2C".</summary>
    internal static string EscapeName(string name) => name.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal);

    private byte[] Hi(byte[] salt, int iterations)
        => Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(_password), salt, iterations, _hash, HashLength);

    private int HashLength => _hash == HashAlgorithmName.SHA1 ? SHA1.HashSizeInBytes : SHA256.HashSizeInBytes;

    private byte[] Hmac(byte[] key, ReadOnlySpan<byte> data) => CryptographicOperations.HmacData(_hash, key, data);

    private byte[] Hash(byte[] data) => CryptographicOperations.HashData(_hash, data);
}
