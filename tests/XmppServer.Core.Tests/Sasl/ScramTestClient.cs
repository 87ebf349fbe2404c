using System.Security.Cryptography;
using System.Text;

namespace XmppServer.Core.Tests.Sasl;

/// <summary>
/// A SCRAM client written straight from RFC 5802 §3 and §7, independent of the server code, to drive the mechanism.
/// </summary>
internal sealed class ScramTestClient(
    HashAlgorithmName hash,
    string username,
    string password,
    string clientNonce,
    string gs2Header = "n,,",
    byte[]? channelBindingData = null)
{
    private byte[] _serverSignature = [];

    public string ClientFirstBare => $"n={Escape(username)},r={clientNonce}";

    public string ClientFirst => gs2Header + ClientFirstBare;

    public string ExpectedServerFinal => "v=" + Convert.ToBase64String(_serverSignature);

    public static string Escape(string name) => name.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal);

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    public static string Text(byte[]? bytes) => Encoding.UTF8.GetString(bytes ?? []);

    /// <summary>Builds the client-final-message for a server-first-message, optionally changing the binding or nonce.</summary>
    public string ClientFinal(string serverFirst, string? channelBindingOverride = null, string? nonceOverride = null)
    {
        var attributes = serverFirst.Split(',').ToDictionary(a => a[..1], a => a[2..]);
        var salt = Convert.FromBase64String(attributes["s"]);
        var iterations = int.Parse(attributes["i"], System.Globalization.CultureInfo.InvariantCulture);
        var length = hash == HashAlgorithmName.SHA1 ? 20 : 32;

        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, hash, length);
        var clientKey = CryptographicOperations.HmacData(hash, salted, "Client Key"u8);
        var storedKey = CryptographicOperations.HashData(hash, clientKey);
        var serverKey = CryptographicOperations.HmacData(hash, salted, "Server Key"u8);

        var channelBinding = channelBindingOverride
            ?? Convert.ToBase64String([.. Encoding.UTF8.GetBytes(gs2Header), .. channelBindingData ?? []]);
        var withoutProof = $"c={channelBinding},r={nonceOverride ?? attributes["r"]}";
        var authMessage = Encoding.UTF8.GetBytes($"{ClientFirstBare},{serverFirst},{withoutProof}");
        var clientSignature = CryptographicOperations.HmacData(hash, storedKey, authMessage);
        var proof = clientKey.Zip(clientSignature, (k, s) => (byte)(k ^ s)).ToArray();
        _serverSignature = CryptographicOperations.HmacData(hash, serverKey, authMessage);
        return $"{withoutProof},p={Convert.ToBase64String(proof)}";
    }
}
