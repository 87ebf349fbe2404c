using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using XmppServer.Core.Accounts;
using XmppServer.Core.Sasl;

namespace XmppServer.Benchmarks;

/// <summary>
/// SCRAM-SHA-1 and SCRAM-SHA-256 logins with the real <see cref="ScramMechanism"/> against keys stored with the
/// server's default iteration count (<see cref="AuthenticationOptions.ScramIterations"/>), and the derivation of
/// those keys, which is what <c>user add</c> and <c>user passwd</c> pay once per account.
/// </summary>
/// <remarks>
/// <para>
/// <c>Server*</c> is the server's CPU per login alone: client-first-message in, server-first-message out,
/// client-final-message in, server-final-message out (RFC 5802 §3, §7). The client's proof depends on the server's
/// nonce (RFC 5802 §5.1), so to have it ready before the exchange the server nonce is the fixed one of the test hook,
/// and both client messages are computed once; the only thing the server leaves out that way is drawing its 24 random
/// nonce bytes.
/// </para>
/// <para>
/// <c>Login*</c> is the same exchange with a random server nonce and the client side computed in the benchmark: the
/// proof from the server-first-message, and the check of the server signature. The client keeps the keys it derived
/// for this salt and iteration count, as clients do to avoid PBKDF2 on every login, so it adds a few HMACs; a client
/// that derives them every time pays a PBKDF2 (like <c>DeriveStoredKeys</c>, for one hash) on its own CPU.
/// </para>
/// <para>
/// The account lookup answers from memory: the SQLite query of the real account store is not counted.
/// </para>
/// </remarks>
// Not sealed: BenchmarkDotNet generates a class deriving from it.
[MemoryDiagnoser]
[Config(typeof(BenchmarkConfig))]
public class ScramBenchmarks
{
    private const string Domain = "capulet.lit";
    private const string Username = "juliet";
    private const string Password = "r0m30myr0m30";
    private const string ServerNonce = "3rfcNHYJY1ZVvWVs7jW0zP1aC5Cq4s8q";

    private static readonly AuthenticationOptions Options = new();

    private readonly int _iterations = Options.ScramIterations;
    private SaslContext _context = null!;
    private ScramClient _sha1 = null!;
    private ScramClient _sha256 = null!;
    private (byte[] First, byte[] Final) _sha1Messages;
    private (byte[] First, byte[] Final) _sha256Messages;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var credentials = PasswordHasher.Create(Password, _iterations);
        _context = new SaslContext(
            Domain,
            IsSecure: true,
            (localpart, _) => ValueTask.FromResult(localpart == Username ? credentials : null),
            _ => null);
        _sha1 = new ScramClient(HashAlgorithmName.SHA1, credentials.Salt, credentials.Iterations);
        _sha256 = new ScramClient(HashAlgorithmName.SHA256, credentials.Salt, credentials.Iterations);
        _sha1Messages = await PrecomputeAsync(SaslMechanisms.ScramSha1, _sha1);
        _sha256Messages = await PrecomputeAsync(SaslMechanisms.ScramSha256, _sha256);

        // Each benchmark once, so that a failed login is never what gets measured.
        if (await ServerSha1() is null || await ServerSha256() is null || await LoginSha1() is null || await LoginSha256() is null)
        {
            throw new InvalidOperationException("A SCRAM login failed.");
        }
    }

    [Benchmark]
    public ValueTask<string?> ServerSha1() => ServerExchangeAsync(SaslMechanisms.ScramSha1, _sha1Messages);

    [Benchmark]
    public ValueTask<string?> ServerSha256() => ServerExchangeAsync(SaslMechanisms.ScramSha256, _sha256Messages);

    [Benchmark]
    public ValueTask<string?> LoginSha1() => LoginAsync(SaslMechanisms.ScramSha1, _sha1);

    [Benchmark]
    public ValueTask<string?> LoginSha256() => LoginAsync(SaslMechanisms.ScramSha256, _sha256);

    /// <summary>A new random salt and both SCRAM key pairs (SHA-1 and SHA-256), as stored for an account.</summary>
    [Benchmark]
    public StoredCredentials DeriveStoredKeys() => PasswordHasher.Create(Password, _iterations);

    /// <summary>The server's part of a login whose client messages were computed in advance; null when it failed.</summary>
    private async ValueTask<string?> ServerExchangeAsync(string name, (byte[] First, byte[] Final) messages)
    {
        var mechanism = SaslMechanisms.Create(name, _context, Options, ServerNonce)!;
        if (await mechanism.StepAsync(messages.First, default) is not SaslStep.Challenge)
        {
            return null;
        }

        return await mechanism.StepAsync(messages.Final, default) is SaslStep.Success success ? success.Username : null;
    }

    /// <summary>A whole login, client side included; null when it failed or the server's signature was wrong.</summary>
    private async ValueTask<string?> LoginAsync(string name, ScramClient client)
    {
        var mechanism = SaslMechanisms.Create(name, _context, Options)!;
        if (await mechanism.StepAsync(client.ClientFirst, default) is not SaslStep.Challenge challenge)
        {
            return null;
        }

        var final = client.ClientFinal(challenge.Data, out var expectedServerFinal);
        return await mechanism.StepAsync(final, default) is SaslStep.Success success
            && success.AdditionalData.AsSpan().SequenceEqual(expectedServerFinal)
            ? success.Username
            : null;
    }

    private async Task<(byte[] First, byte[] Final)> PrecomputeAsync(string name, ScramClient client)
    {
        var mechanism = SaslMechanisms.Create(name, _context, Options, ServerNonce)!;
        var challenge = (SaslStep.Challenge)await mechanism.StepAsync(client.ClientFirst, default);
        return (client.ClientFirst, client.ClientFinal(challenge.Data, out _));
    }

    /// <summary>
    /// The client side of RFC 5802 §3, written from the RFC rather than from the server code, with the keys derived
    /// once for the account's salt and iteration count.
    /// </summary>
    private sealed class ScramClient
    {
        private const string ClientFirstBare = "n=" + Username + ",r=fyko+d2lbbFgONRv9qkxdawL";

        private readonly HashAlgorithmName _hash;
        private readonly byte[] _clientKey;
        private readonly byte[] _storedKey;
        private readonly byte[] _serverKey;

        public ScramClient(HashAlgorithmName hash, byte[] salt, int iterations)
        {
            _hash = hash;
            var length = hash == HashAlgorithmName.SHA1 ? SHA1.HashSizeInBytes : SHA256.HashSizeInBytes;

            // RFC 5802 §3: SaltedPassword = Hi(Normalize(password), salt, i); ClientKey = HMAC(SaltedPassword, "Client Key");
            // StoredKey = H(ClientKey); ServerKey = HMAC(SaltedPassword, "Server Key").
            var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(Password), salt, iterations, hash, length);
            _clientKey = CryptographicOperations.HmacData(hash, salted, "Client Key"u8);
            _storedKey = CryptographicOperations.HashData(hash, _clientKey);
            _serverKey = CryptographicOperations.HmacData(hash, salted, "Server Key"u8);
        }

        // RFC 5802 §7: gs2-header "n,," (no channel binding, no authzid), then client-first-message-bare.
        public byte[] ClientFirst { get; } = Encoding.UTF8.GetBytes("n,," + ClientFirstBare);

        /// <summary>The client-final-message for a server-first-message, and the server-final-message to expect.</summary>
        public byte[] ClientFinal(byte[] serverFirstMessage, out byte[] expectedServerFinal)
        {
            // RFC 5802 §7: server-first-message = "r=" nonce ",s=" salt ",i=" iteration-count; the salt and count are
            // the ones the keys were derived for.
            var serverFirst = Encoding.UTF8.GetString(serverFirstMessage);
            var nonce = serverFirst[2..serverFirst.IndexOf(',', StringComparison.Ordinal)];

            // RFC 5802 §3: AuthMessage = client-first-message-bare "," server-first-message ","
            // client-final-message-without-proof; ClientProof = ClientKey XOR HMAC(StoredKey, AuthMessage);
            // ServerSignature = HMAC(ServerKey, AuthMessage). "biws" is base64 of the gs2-header "n,,".
            var withoutProof = "c=biws,r=" + nonce;
            var authMessage = Encoding.UTF8.GetBytes(ClientFirstBare + "," + serverFirst + "," + withoutProof);
            var proof = CryptographicOperations.HmacData(_hash, _storedKey, authMessage);
            for (var i = 0; i < proof.Length; i++)
            {
                proof[i] ^= _clientKey[i];
            }

            expectedServerFinal = Encoding.UTF8.GetBytes("v=" + Convert.ToBase64String(CryptographicOperations.HmacData(_hash, _serverKey, authMessage)));
            return Encoding.UTF8.GetBytes(withoutProof + ",p=" + Convert.ToBase64String(proof));
        }
    }
}
