using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;

namespace XmppServer.Storage.Sqlite.Mam;

/// <summary>
/// Archive ids made from a message's seq: one AES-128 block of (seq, eight zero bytes) under the database's own key,
/// in URL-safe base64 (22 characters). The id names its row directly, so no index of ids is needed; without the key
/// it reveals nothing, neither the order of two messages nor the size of an archive (XEP-0359 §3 rule 1 and §6,
/// XEP-0313 §3). A made-up id decrypts to a non-zero check half but for a chance of one in 2^64.
/// </summary>
internal sealed class ArchiveIdCodec : IDisposable
{
    /// <summary>The length of an id: 16 bytes in unpadded base64. Random ids of older rows are 16 characters.</summary>
    public const int IdLength = 22;

    public const int KeyBytes = 16;

    // One block at a time through one encryptor and one decryptor: a transform is not thread-safe, and reusing it keeps
    // one native cipher context for the codec's life where each one-shot EncryptEcb call made (and finalized) its own.
    private readonly Lock _gate = new();
    private readonly Aes _aes;
    private readonly ICryptoTransform _encryptor;
    private readonly ICryptoTransform _decryptor;
    private readonly byte[] _input = new byte[16];
    private readonly byte[] _output = new byte[16];

    public ArchiveIdCodec(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeyBytes)
        {
            throw new ArgumentException($"An archive id key has {KeyBytes} bytes.", nameof(key));
        }

        _aes = Aes.Create();
        _aes.Key = key.ToArray();
        _aes.Mode = CipherMode.ECB;
        _aes.Padding = PaddingMode.None;
        _encryptor = _aes.CreateEncryptor();
        _decryptor = _aes.CreateDecryptor();
    }

    public string Encode(long seq)
    {
        Span<byte> cipher = stackalloc byte[16];
        lock (_gate)
        {
            BinaryPrimitives.WriteInt64BigEndian(_input, seq);
            _input.AsSpan(8).Clear();
            _encryptor.TransformBlock(_input, 0, 16, _output, 0);
            _output.CopyTo(cipher);
        }

        return Base64Url.EncodeToString(cipher);
    }

    /// <summary>The seq an id was made from; false for anything not made by <see cref="Encode"/> with this key.</summary>
    public bool TryDecode(string id, out long seq)
    {
        seq = 0;
        Span<byte> cipher = stackalloc byte[18];
        // Anything a client sends ends up here: TryDecodeFromChars throws on malformed input, IsValid only answers.
        if (id.Length != IdLength || !Base64Url.IsValid(id, out var length) || length != 16
            || !Base64Url.TryDecodeFromChars(id, cipher, out var written) || written != 16)
        {
            return false;
        }

        Span<byte> block = stackalloc byte[16];
        lock (_gate)
        {
            cipher[..16].CopyTo(_input);
            _decryptor.TransformBlock(_input, 0, 16, _output, 0);
            _output.CopyTo(block);
        }

        if (block[8..].ContainsAnyExcept((byte)0))
        {
            return false;
        }

        seq = BinaryPrimitives.ReadInt64BigEndian(block);
        return seq > 0;
    }

    /// <summary>The id of a row: its stored id for rows archived with a random one, else the one made from seq.</summary>
    public string IdOf(long seq, string storedId) => storedId.Length == 0 ? Encode(seq) : storedId;

    public void Dispose()
    {
        _encryptor.Dispose();
        _decryptor.Dispose();
        _aes.Dispose();
    }
}
