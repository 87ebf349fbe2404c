using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;
using XmppServer.Core.Accounts;
using XmppServer.Protocol;

namespace XmppServer.Core.Sasl;

/// <summary>
/// The server side of SCRAM-SHA-1 and SCRAM-SHA-256 (RFC 5802, RFC 7677), with or without channel binding (the -PLUS
/// variants; RFC 5929 tls-server-end-point, RFC 9266 tls-exporter, RFC 5929 tls-unique).
/// </summary>
internal sealed class ScramMechanism : ISaslMechanism
{
    // RFC 5802 §5.1: the server appends its own nonce; 24 random bytes give 32 base64 characters, none of them ','.
    private const int ServerNonceBytes = 24;

    private static readonly byte[] EmptyChallenge = [];

    private readonly HashAlgorithmName _hash;
    private readonly bool _plus;
    private readonly bool _channelBindingAdvertised;
    private readonly SaslContext _context;
    private readonly AuthenticationOptions _options;
    private readonly string? _fixedServerNonce;

    private Stage _stage;
    private string _username = string.Empty;
    private StoredCredentials? _credentials;
    private bool _knownUser;
    private string _nonce = string.Empty;
    private string _clientFirstBare = string.Empty;
    private string _serverFirst = string.Empty;
    private byte[] _expectedChannelBinding = [];

    /// <param name="name">The mechanism name as advertised.</param>
    /// <param name="hash">SHA-1 or SHA-256.</param>
    /// <param name="plus">True for a -PLUS variant, which requires channel binding.</param>
    /// <param name="context">The stream the exchange runs on.</param>
    /// <param name="options">Authentication settings (iteration count of the unknown-user decoys).</param>
    /// <param name="channelBindingAdvertised">True when a -PLUS mechanism was offered on this stream.</param>
    /// <param name="fixedServerNonce">Test hook: the server nonce to use instead of a random one.</param>
    internal ScramMechanism(
        string name,
        HashAlgorithmName hash,
        bool plus,
        SaslContext context,
        AuthenticationOptions options,
        bool channelBindingAdvertised,
        string? fixedServerNonce = null)
    {
        Name = name;
        _hash = hash;
        _plus = plus;
        _context = context;
        _options = options;
        _channelBindingAdvertised = channelBindingAdvertised;
        _fixedServerNonce = fixedServerNonce;
    }

    private enum Stage
    {
        AwaitingClientFirst,
        AwaitingClientFirstAfterEmptyChallenge,
        AwaitingClientFinal,
        Done,
    }

    public string Name { get; }

    public async ValueTask<SaslStep> StepAsync(ReadOnlyMemory<byte> clientMessage, CancellationToken cancellationToken)
    {
        switch (_stage)
        {
            case Stage.AwaitingClientFirst when clientMessage.IsEmpty:
                // RFC 6120 §6.4.2: without an initial response the server sends an empty challenge; SCRAM is
                // client-first, so the client-first-message comes as the response to it.
                _stage = Stage.AwaitingClientFirstAfterEmptyChallenge;
                return new SaslStep.Challenge(EmptyChallenge);
            case Stage.AwaitingClientFirst or Stage.AwaitingClientFirstAfterEmptyChallenge:
                return await ClientFirstAsync(clientMessage, cancellationToken);
            case Stage.AwaitingClientFinal:
                return ClientFinal(clientMessage.Span);
            default:
                return Fail(SaslFailureCondition.MalformedRequest, "The exchange is over.");
        }
    }

    private async ValueTask<SaslStep> ClientFirstAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        if (!TryDecode(message.Span, out var text))
        {
            return Fail(SaslFailureCondition.MalformedRequest, "Not UTF-8.");
        }

        // RFC 5802 §7: client-first-message = gs2-header client-first-message-bare,
        // gs2-header = gs2-cbind-flag "," [ authzid ] ",".
        var firstComma = text.IndexOf(',');
        var secondComma = firstComma < 0 ? -1 : text.IndexOf(',', firstComma + 1);
        if (secondComma < 0)
        {
            return Fail(SaslFailureCondition.MalformedRequest, "No GS2 header.");
        }

        var cbindFlag = text[..firstComma];
        var authzidField = text[(firstComma + 1)..secondComma];
        var gs2Header = text[..(secondComma + 1)];
        var bare = text[(secondComma + 1)..];

        var channelBinding = CheckChannelBindingFlag(cbindFlag, out var failure);
        if (failure is not null)
        {
            return failure;
        }

        string? authzid = null;
        if (authzidField.Length > 0)
        {
            if (!authzidField.StartsWith("a=", StringComparison.Ordinal) || (authzid = SaslName.Decode(authzidField[2..])) is null)
            {
                return Fail(SaslFailureCondition.MalformedRequest, "Bad authzid.");
            }
        }

        // RFC 5802 §7: client-first-message-bare = [reserved-mext ","] username "," nonce ["," extensions].
        var attributes = bare.Split(',');
        if (attributes.Length < 2 || !attributes[0].StartsWith("n=", StringComparison.Ordinal)
            || !attributes[1].StartsWith("r=", StringComparison.Ordinal) || !AreExtensions(attributes.AsSpan(2)))
        {
            // RFC 5802 §5.1: an "m" attribute (reserved-mext) MUST cause authentication failure.
            return Fail(SaslFailureCondition.MalformedRequest, "Bad client-first-message.");
        }

        var username = SaslName.Decode(attributes[0][2..]);
        var clientNonce = attributes[1][2..];
        if (username is null || !IsPrintable(clientNonce))
        {
            return Fail(SaslFailureCondition.MalformedRequest, "Bad username or nonce.");
        }

        // RFC 6120 §6.3.7 and RFC 7622 §3.3: the simple user name is an XMPP localpart.
        var localpart = JidPrep.PrepareLocal(username);
        if (localpart is null || !Jid.TryCreate(localpart, _context.Domain, null, out var user))
        {
            return Fail(SaslFailureCondition.NotAuthorized);
        }

        // RFC 6120 §6.3.8: an authzid other than the user's own bare JID would be a request to act as someone else.
        if (authzid is not null && (!Jid.TryParse(authzid, out var requested) || requested != user))
        {
            return Fail(SaslFailureCondition.InvalidAuthzid);
        }

        var credentials = await _context.LookupCredentials(localpart, cancellationToken);
        var keyLength = PasswordHasher.HashLength(_hash);
        _knownUser = credentials is not null && StoredKey(credentials).Length == keyLength
            && ServerKey(credentials).Length == keyLength && credentials.Iterations > 0;

        // RFC 5802 §9: answer an unknown user like a known one, so the salt gives nothing away; the exchange then
        // fails at the proof exactly as a wrong password does.
        _credentials = _knownUser ? credentials : DecoyCredentials.For(localpart, _options.ScramIterations);
        _username = localpart;
        _nonce = clientNonce + (_fixedServerNonce ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(ServerNonceBytes)));
        _clientFirstBare = bare;
        _serverFirst = $"r={_nonce},s={Convert.ToBase64String(_credentials!.Salt)},i={_credentials.Iterations}";

        // RFC 5802 §7: the client will send c=base64(gs2-header [cbind-data]).
        _expectedChannelBinding = [.. Encoding.UTF8.GetBytes(gs2Header), .. channelBinding];
        _stage = Stage.AwaitingClientFinal;
        return new SaslStep.Challenge(Encoding.UTF8.GetBytes(_serverFirst));
    }

    // RFC 5802 §6 and §7: gs2-cbind-flag = ("p=" cb-name) / "n" / "y". Returns the channel-binding data to expect.
    private byte[] CheckChannelBindingFlag(string flag, out SaslStep? failure)
    {
        failure = null;
        if (flag.StartsWith("p=", StringComparison.Ordinal))
        {
            // RFC 5802 §6: "p" asks for channel binding, which only a -PLUS mechanism does.
            if (!_plus)
            {
                failure = Fail(SaslFailureCondition.MalformedRequest, "Channel binding needs a -PLUS mechanism.");
                return [];
            }

            var type = flag[2..];
            var data = SaslMechanisms.IsKnownChannelBindingType(type) ? _context.ChannelBinding(type) : null;
            if (data is null)
            {
                // RFC 5802 §7 server-error "unsupported-channel-binding-type".
                failure = Fail(SaslFailureCondition.NotAuthorized, "Unsupported channel binding type.");
                return [];
            }

            return data;
        }

        if (_plus)
        {
            // RFC 5802 §6: a client that chose a -PLUS mechanism must bind; "n" or "y" here is a broken client.
            failure = Fail(SaslFailureCondition.MalformedRequest, "A -PLUS mechanism needs a p= flag.");
            return [];
        }

        switch (flag)
        {
            case "n":
                return [];
            case "y" when _channelBindingAdvertised:
                // RFC 5802 §6: "y" means the client thinks the server cannot bind. This server offered -PLUS on this
                // stream, so someone removed it on the way: a downgrade attack.
                failure = Fail(SaslFailureCondition.NotAuthorized, "Channel binding was offered.");
                return [];
            case "y":
                return [];
            default:
                failure = Fail(SaslFailureCondition.MalformedRequest, "Bad channel binding flag.");
                return [];
        }
    }

    private SaslStep ClientFinal(ReadOnlySpan<byte> message)
    {
        if (!TryDecode(message, out var text))
        {
            return Fail(SaslFailureCondition.MalformedRequest, "Not UTF-8.");
        }

        // RFC 5802 §7: client-final-message = channel-binding "," nonce ["," extensions] "," proof.
        var attributes = text.Split(',');
        if (attributes.Length < 3 || !attributes[0].StartsWith("c=", StringComparison.Ordinal)
            || !attributes[1].StartsWith("r=", StringComparison.Ordinal)
            || !attributes[^1].StartsWith("p=", StringComparison.Ordinal) || !AreExtensions(attributes.AsSpan(2..^1)))
        {
            return Fail(SaslFailureCondition.MalformedRequest, "Bad client-final-message.");
        }

        var keyLength = PasswordHasher.HashLength(_hash);
        var channelBinding = TryFromBase64(attributes[0][2..]);
        var proof = TryFromBase64(attributes[^1][2..]);
        if (channelBinding is null || proof is null || proof.Length != keyLength)
        {
            return Fail(SaslFailureCondition.MalformedRequest, "Bad channel binding or proof encoding.");
        }

        // RFC 5802 §5.1: the nonce must be the one the server sent, client part and server part.
        if (!string.Equals(attributes[1][2..], _nonce, StringComparison.Ordinal))
        {
            return Fail(SaslFailureCondition.NotAuthorized, "Nonce mismatch.");
        }

        // RFC 5802 §6: the server MUST check the channel binding data against its own view of the channel.
        if (!CryptographicOperations.FixedTimeEquals(channelBinding, _expectedChannelBinding))
        {
            return Fail(SaslFailureCondition.NotAuthorized, "Channel binding mismatch.");
        }

        // RFC 5802 §3: AuthMessage = client-first-message-bare "," server-first-message ","
        // client-final-message-without-proof; ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage);
        // the proof is good when H(ClientKey) equals StoredKey.
        var withoutProof = text[..(text.Length - attributes[^1].Length - 1)];
        var authMessage = Encoding.UTF8.GetBytes($"{_clientFirstBare},{_serverFirst},{withoutProof}");
        var credentials = _credentials!;
        var storedKey = StoredKey(credentials);
        var clientSignature = CryptographicOperations.HmacData(_hash, storedKey, authMessage);
        var clientKey = new byte[keyLength];
        for (var i = 0; i < keyLength; i++)
        {
            clientKey[i] = (byte)(proof[i] ^ clientSignature[i]);
        }

        var proofMatches = CryptographicOperations.FixedTimeEquals(CryptographicOperations.HashData(_hash, clientKey), storedKey);
        CryptographicOperations.ZeroMemory(clientKey);
        if (!(proofMatches & _knownUser))
        {
            return Fail(SaslFailureCondition.NotAuthorized);
        }

        // RFC 5802 §3, §7: server-final-message = "v=" base64(HMAC(ServerKey, AuthMessage)), sent with <success/>.
        var serverSignature = CryptographicOperations.HmacData(_hash, ServerKey(credentials), authMessage);
        _stage = Stage.Done;
        return new SaslStep.Success(_username, Encoding.UTF8.GetBytes("v=" + Convert.ToBase64String(serverSignature)));
    }

    private SaslStep.Failure Fail(SaslFailureCondition condition, string? text = null)
    {
        _stage = Stage.Done;
        return new SaslStep.Failure(condition, text);
    }

    private byte[] StoredKey(StoredCredentials credentials)
        => _hash == HashAlgorithmName.SHA1 ? credentials.Sha1StoredKey : credentials.Sha256StoredKey;

    private byte[] ServerKey(StoredCredentials credentials)
        => _hash == HashAlgorithmName.SHA1 ? credentials.Sha1ServerKey : credentials.Sha256ServerKey;

    private static bool TryDecode(ReadOnlySpan<byte> message, out string text)
    {
        // RFC 5802 §7: messages are UTF-8 and no attribute value holds NUL.
        if (message.IsEmpty || !Utf8.IsValid(message) || message.Contains((byte)0))
        {
            text = string.Empty;
            return false;
        }

        text = Encoding.UTF8.GetString(message);
        return true;
    }

    // RFC 5802 §7: printable = %x21-2B / %x2D-7E (no comma; the split on ',' already removed those).
    private static bool IsPrintable(string nonce)
        => nonce.Length > 0 && nonce.AsSpan().IndexOfAnyExceptInRange('!', '~') < 0;

    // RFC 5802 §7: extensions = attr-val *("," attr-val), attr-val = ALPHA "=" value; "m" is reserved-mext and
    // unsupported, and any other attribute the server does not know is ignored.
    private static bool AreExtensions(ReadOnlySpan<string> attributes)
    {
        foreach (var attribute in attributes)
        {
            if (attribute.Length < 2 || !char.IsAsciiLetter(attribute[0]) || attribute[1] != '=' || attribute[0] == 'm')
            {
                return false;
            }
        }

        return true;
    }

    // RFC 5802 §7: base64 as in RFC 4648 §4. Only the canonical spelling is taken (no whitespace, clean padding).
    private static byte[]? TryFromBase64(string value)
    {
        var buffer = new byte[value.Length * 3 / 4];
        if (!Convert.TryFromBase64String(value, buffer, out var written))
        {
            return null;
        }

        var decoded = buffer[..written];
        return string.Equals(Convert.ToBase64String(decoded), value, StringComparison.Ordinal) ? decoded : null;
    }
}
