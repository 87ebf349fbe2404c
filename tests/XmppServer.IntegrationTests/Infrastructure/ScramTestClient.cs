using System.Security.Cryptography;
using System.Text;

namespace XmppServer.IntegrationTests.Infrastructure;

// SCRAM-SHA-1 (RFC 5802) is defined on SHA-1; it is what older clients speak.
#pragma warning disable CA5350

/// <summary>The client side of SCRAM (RFC 5802 §3), written from the RFC for tests, independent of the server's code.</summary>
public sealed class ScramTestClient(HashAlgorithmName hash, string username, string password, string gs2Header = "n,,", byte[]? bindingData = null)
{
    private readonly string _clientNonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
    private string _clientFirstBare = string.Empty;
    private byte[] _serverSignature = [];

    public byte[] ClientFirst()
    {
        _clientFirstBare = $"n={username.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal)},r={_clientNonce}";
        return Encoding.UTF8.GetBytes(gs2Header + _clientFirstBare);
    }

    public byte[] ClientFinal(byte[] serverFirstBytes)
    {
        var serverFirst = Encoding.UTF8.GetString(serverFirstBytes);
        var fields = serverFirst.Split(',').ToDictionary(f => f[..1], f => f[2..]);
        var nonce = fields["r"];
        Assert.StartsWith(_clientNonce, nonce, StringComparison.Ordinal);
        var salt = Convert.FromBase64String(fields["s"]);
        var iterations = int.Parse(fields["i"], System.Globalization.CultureInfo.InvariantCulture);
        var length = hash == HashAlgorithmName.SHA1 ? 20 : 32;
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, hash, length);
        var clientKey = Hmac(salted, "Client Key");
        var storedKey = hash == HashAlgorithmName.SHA1 ? SHA1.HashData(clientKey) : SHA256.HashData(clientKey);
        var channelBinding = Convert.ToBase64String([.. Encoding.UTF8.GetBytes(gs2Header), .. bindingData ?? []]);
        var withoutProof = $"c={channelBinding},r={nonce}";
        var authMessage = $"{_clientFirstBare},{serverFirst},{withoutProof}";
        var signature = Hmac(storedKey, authMessage);
        var proof = new byte[clientKey.Length];
        for (var i = 0; i < proof.Length; i++)
        {
            proof[i] = (byte)(clientKey[i] ^ signature[i]);
        }

        _serverSignature = Hmac(Hmac(salted, "Server Key"), authMessage);
        return Encoding.UTF8.GetBytes($"{withoutProof},p={Convert.ToBase64String(proof)}");
    }

    public bool VerifyServerFinal(byte[] serverFinal)
        => Encoding.UTF8.GetString(serverFinal) == "v=" + Convert.ToBase64String(_serverSignature);

    private byte[] Hmac(byte[] key, string text)
        => hash == HashAlgorithmName.SHA1
            ? HMACSHA1.HashData(key, Encoding.UTF8.GetBytes(text))
            : HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(text));
}
