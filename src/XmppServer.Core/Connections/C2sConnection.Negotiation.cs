using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Connections.Features;
using XmppServer.Core.Events;
using XmppServer.Core.Modules;
using XmppServer.Core.Sasl;
using XmppServer.Core.Tls;
using XmppServer.Protocol;

namespace XmppServer.Core.Connections;

internal sealed partial class C2sConnection
{
    /// <summary>Attempts per stream before the server stops listening to guesses (each one is also slowed down).</summary>
    private const int MaxSaslAttempts = 5;

    private string? _domain;
    private Jid? _user;
    private ISaslMechanism? _mechanism;
    private IReadOnlyList<string> _offeredMechanisms = [];
    private int _saslAttempts;
    private string _mechanismName = string.Empty;
    private byte[]? _endpointBinding;
    private byte[]? _uniqueBinding;
    private bool _isTls13;

    // Said once per process, not once per connection.
    private static int _tlsBuffersKeptLogged;

    /// <summary>The bare JID the running SASL exchange asked for, once the mechanism looked it up (for the throttle).</summary>
    private string? _saslAccount;

    /// <summary>Total time SASL verdicts were held back by the throttle; the negotiation timeout does not count it.</summary>
    private long _verdictHeldMilliseconds;

    /// <summary>RFC 6120 §4.7-4.8: checks the initial stream header and answers with ours and the features.</summary>
    private async ValueTask OnStreamStartAsync(XmppElement header, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _closeStarted) != 0)
        {
            // Our closing tag is out; a header after it opens nothing (RFC 6120 §4.4).
            return;
        }

        var requestedDomain = header.To is { } to ? JidPrep.PrepareDomain(to) : null;
        var domain = requestedDomain ?? _domain ?? _services.Domains.Default;

        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            WriteResponseHeader(_services.Domains.IsLocal(domain) ? domain : _services.Domains.Default, header.From);
        }
        finally
        {
            _writeLock.Release();
        }

        // RFC 6120 §4.9.3.10: the stream element must be <stream:stream/> with jabber:client content.
        if (!header.Is("stream", Namespaces.Streams) || _parser.ContentNamespace != StanzaNamespace)
        {
            throw new XmppStreamException(StreamErrorCondition.InvalidNamespace);
        }

        // RFC 6120 §4.7.5: this server speaks version 1.0; a missing or older version is not supported.
        if (!IsVersionOne(header.GetAttribute("version")))
        {
            throw new XmppStreamException(StreamErrorCondition.UnsupportedVersion);
        }

        // RFC 6120 §4.9.3.6: 'to' must name a domain served here; after a restart it must stay the same.
        if (header.To is not null && (requestedDomain is null || !_services.Domains.IsLocal(requestedDomain)))
        {
            throw new XmppStreamException(StreamErrorCondition.HostUnknown);
        }

        if (_domain is not null && domain != _domain)
        {
            throw new XmppStreamException(StreamErrorCondition.HostUnknown, "The domain changed after a stream restart");
        }

        _domain = domain;
        await WriteAsync(BuildFeatures(), cancellationToken);
    }

    private static bool IsVersionOne(string? version)
    {
        if (version is null)
        {
            return false;
        }

        var dot = version.IndexOf('.', StringComparison.Ordinal);
        return int.TryParse(dot < 0 ? version : version[..dot], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var major) && major >= 1;
    }

    /// <summary>RFC 6120 §4.3.2: the features of this stage of negotiation.</summary>
    private XmppElement BuildFeatures()
    {
        var features = new XmppElement("features", Namespaces.Streams);
        var context = new StreamFeatureContext(_domain!, IsSecure, _user);
        if (_user is null)
        {
            if (!IsSecure)
            {
                // RFC 6120 §5.3.1: STARTTLS is mandatory-to-negotiate when the server requires encryption; then it is
                // the only feature offered, and nothing else is accepted before it.
                var starttls = features.AddElement("starttls", Namespaces.Tls);
                if (_services.Options.RequireEncryption)
                {
                    starttls.AddElement("required", Namespaces.Tls);
                    return features;
                }
            }

            _offeredMechanisms = SaslMechanisms.Offered(CreateSaslContext(), _services.Authentication);
            var mechanisms = features.AddElement("mechanisms", Namespaces.Sasl);
            foreach (var mechanism in _offeredMechanisms)
            {
                mechanisms.AddTextElement("mechanism", Namespaces.Sasl, mechanism);
            }

            if (_endpointBinding is not null)
            {
                // XEP-0440 §2: tell clients which channel binding types the -PLUS mechanisms can use here. tls-unique
                // is only defined up to TLS 1.2 (RFC 9266 §1), so it is announced there only.
                var bindings = features.AddElement("sasl-channel-binding", "urn:xmpp:sasl-cb:0");
                bindings.AddElement("channel-binding").SetAttribute("type", SaslMechanisms.TlsServerEndPoint);
                if (_uniqueBinding is not null && !_isTls13)
                {
                    bindings.AddElement("channel-binding").SetAttribute("type", SaslMechanisms.TlsUnique);
                }
            }

            foreach (var feature in _services.Registry.StreamFeatures(StreamFeatureStage.BeforeAuthentication, context))
            {
                features.Add(feature);
            }

            return features;
        }

        // RFC 6120 §7.4: resource binding is mandatory after SASL.
        features.AddElement("bind", Namespaces.Bind);

        // RFC 6121 Appendix E: the session feature is advertised as optional for RFC 3921 clients.
        features.AddElement("session", Namespaces.Session).AddElement("optional", Namespaces.Session);

        // XEP-0198 §2: stream management, enabled after bind or used to resume a session instead of binding.
        if (_services.StreamManagement.Enabled)
        {
            features.AddElement("sm", Namespaces.StreamManagement);
        }
        foreach (var feature in _services.Registry.StreamFeatures(StreamFeatureStage.Authenticated, context))
        {
            features.Add(feature);
        }

        return features;
    }

    private async ValueTask<LoopAction> OnNegotiationElementAsync(XmppElement element, CancellationToken cancellationToken)
    {
        if (element.Is("starttls", Namespaces.Tls))
        {
            if (IsSecure || _user is not null)
            {
                // RFC 6120 §5.4.2.2: TLS cannot be negotiated twice, nor after authentication.
                throw new XmppStreamException(StreamErrorCondition.PolicyViolation, "TLS is already negotiated");
            }

            // RFC 6120 §5.4.2.3: <proceed/>, then the TLS handshake on the same TCP connection.
            await WriteAsync(new XmppElement("proceed", Namespaces.Tls), cancellationToken);
            return LoopAction.StartTls;
        }

        if (element.Namespace == Namespaces.Sasl && _user is null)
        {
            await OnSaslElementAsync(element, cancellationToken);
            return LoopAction.Continue;
        }

        if (_user is not null && element.Namespace == Namespaces.StreamManagement && _services.StreamManagement.Enabled)
        {
            if (element.Name == "resume")
            {
                await ResumeAsync(element, cancellationToken);
            }
            else
            {
                // XEP-0198 §3: stream management is enabled after binding a resource, not before.
                await WriteAsync(StreamManagementFailed(StanzaErrorCondition.UnexpectedRequest), cancellationToken);
            }

            return LoopAction.Continue;
        }

        if (_user is not null && element.Is("iq", StanzaNamespace))
        {
            if (element.Type == "set" && element.Element("bind", Namespaces.Bind) is { } bind)
            {
                await BindAsync(element, bind, cancellationToken);
                return LoopAction.Continue;
            }

            if (IsLegacySessionRequest(element))
            {
                // Before bind there is no session yet; answer it all the same (RFC 6121 Appendix E).
                await WriteAsync(new XmppElement("iq", StanzaNamespace) { Type = "result", Id = element.Id }, cancellationToken);
                return LoopAction.Continue;
            }
        }

        if (!IsSecure && _services.Options.RequireEncryption)
        {
            // RFC 6120 §5.3.1: with STARTTLS required, anything else first is a policy violation.
            throw new XmppStreamException(StreamErrorCondition.PolicyViolation, "STARTTLS is required");
        }

        // RFC 6120 §4.9.3.12: stanzas before authentication and resource binding are not authorized.
        throw new XmppStreamException(StreamErrorCondition.NotAuthorized);
    }

    private async ValueTask<bool> StartTlsAsync(CancellationToken cancellationToken)
    {
        var certificate = _services.Certificates.Context;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_services.Options.TlsHandshakeTimeout);

        // The handshake writes to the transport and the pipes are swapped: nothing else may write meanwhile.
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            var ssl = new SslStream(new DuplexPipeStream(_input, _output), leaveInnerStreamOpen: false);
            try
            {
                // TLS 1.2/1.3 with forward-secret AEAD suites only (Tls/TlsPolicy.cs). The certificate is the one
                // current at this handshake: a reload changes it for later connections, never for this one.
                await ssl.AuthenticateAsServerAsync(TlsPolicy.ServerOptions(certificate, _services.Certificates.CipherPolicy), timeout.Token);
            }
            catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException)
            {
                Log.TlsFailed(_services.Logger, Id, ex.Message);
                await ssl.DisposeAsync();
                return false;
            }

            _ssl = ssl;
            if (!OpenSslRecordBuffers.TryEnable(ssl) && Interlocked.Exchange(ref _tlsBuffersKeptLogged, 1) == 0)
            {
                Log.TlsBuffersKept(_services.Logger);
            }

            _endpointBinding = ComputeEndpointBinding(certificate.TargetCertificate);
            _uniqueBinding = ChannelBindingData.ReadTlsUnique(ssl);
            _isTls13 = ssl.SslProtocol == SslProtocols.Tls13;

            // Zero-byte reads: an idle connection holds no read buffer until data arrives. The buffers come from the
            // transport's pool of 4 KiB blocks, which hands out long-lived block objects, where the default pool
            // wraps each rented array in a new object; larger writes rent from the array pool instead.
            var pool = _context.Features.Get<IMemoryPoolFeature>()?.MemoryPool;
            _input = PipeReader.Create(ssl, new StreamPipeReaderOptions(pool, bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true, useZeroByteReads: true));
            _output = PipeWriter.Create(ssl, new StreamPipeWriterOptions(pool, minimumBufferSize: 4096, leaveOpen: true));

            // RFC 6120 §5.4.3.3: after TLS the stream restarts from a fresh header, and nothing learned before TLS
            // (the domain asked for included) is kept.
            _parser.Reset();
            _headerSent = false;
            _domain = null;
            Log.TlsEstablished(_services.Logger, Id, ssl.SslProtocol.ToString(), ssl.NegotiatedCipherSuite.ToString());
            return true;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// RFC 5929 §4.1 tls-server-end-point: the hash of our certificate, with the certificate's signature hash, or
    /// SHA-256 when that is MD5 or SHA-1.
    /// </summary>
    private static byte[] ComputeEndpointBinding(X509Certificate2 certificate)
    {
        var signature = certificate.SignatureAlgorithm.Value ?? string.Empty;
        var raw = certificate.RawData;
        return signature switch
        {
            "1.2.840.113549.1.1.12" or "1.2.840.10045.4.3.3" => SHA384.HashData(raw),
            "1.2.840.113549.1.1.13" or "1.2.840.10045.4.3.4" => SHA512.HashData(raw),
            _ => SHA256.HashData(raw),
        };
    }

    private SaslContext CreateSaslContext()
        => new(
            _domain!,
            IsSecure,
            async (username, ct) =>
            {
                if (!Jid.TryCreate(username, _domain!, null, out var user))
                {
                    return null;
                }

                // Known or not: the throttle counts guesses per name asked for, so it tells no account's existence.
                _saslAccount = user.ToString();
                return await _services.Accounts.GetCredentialsAsync(user, ct);
            },
            // tls-unique is also accepted on TLS 1.3 although not announced there: clients built on OpenSSL (Python's
            // ssl module, for one) send the first Finished message under that name, and it still binds this channel.
            type => type switch
            {
                SaslMechanisms.TlsServerEndPoint => _endpointBinding,
                SaslMechanisms.TlsUnique => _uniqueBinding,
                _ => null,
            });

    /// <summary>RFC 6120 §6.4: &lt;auth/&gt;, &lt;response/&gt; and &lt;abort/&gt;.</summary>
    private async ValueTask OnSaslElementAsync(XmppElement element, CancellationToken cancellationToken)
    {
        if (!IsSecure && _services.Options.RequireEncryption)
        {
            throw new XmppStreamException(StreamErrorCondition.PolicyViolation, "STARTTLS is required");
        }

        switch (element.Name)
        {
            case "auth":
                if (_mechanism is not null)
                {
                    // A new <auth/> while one is running aborts the old exchange (RFC 6120 §6.4.5 by analogy).
                    _mechanism = null;
                }

                if (++_saslAttempts > MaxSaslAttempts)
                {
                    throw new XmppStreamException(StreamErrorCondition.PolicyViolation, "Too many authentication attempts");
                }

                var name = element.GetAttribute("mechanism") ?? string.Empty;
                _mechanismName = name;
                _saslAccount = null;
                _mechanism = SaslMechanisms.Create(name, CreateSaslContext(), _services.Authentication);
                if (_mechanism is null)
                {
                    // RFC 6120 §6.5.6 invalid-mechanism.
                    await SendSaslFailureAsync(SaslFailureCondition.InvalidMechanism, null, cancellationToken);
                    return;
                }

                await StepAsync(element, cancellationToken);
                return;

            case "response" when _mechanism is not null:
                await StepAsync(element, cancellationToken);
                return;

            case "abort":
                // RFC 6120 §6.4.5: the client gives up; answer <failure><aborted/></failure>.
                _mechanism = null;
                await SendSaslFailureAsync(SaslFailureCondition.Aborted, null, cancellationToken);
                return;

            default:
                throw new XmppStreamException(StreamErrorCondition.NotAuthorized);
        }
    }

    private async ValueTask StepAsync(XmppElement element, CancellationToken cancellationToken)
    {
        // RFC 6120 §6.4.2: base64 data, '=' for an explicitly empty response.
        var text = element.Text.Trim();
        byte[] data;
        if (text.Length == 0 || text == "=")
        {
            data = [];
        }
        else
        {
            try
            {
                data = Convert.FromBase64String(text);
            }
            catch (FormatException)
            {
                _mechanism = null;
                await SendSaslFailureAsync(SaslFailureCondition.IncorrectEncoding, null, cancellationToken);
                return;
            }
        }

        var step = await _mechanism!.StepAsync(data, cancellationToken);
        if (step is SaslStep.Success or SaslStep.Failure { Condition: SaslFailureCondition.NotAuthorized })
        {
            // The verdict on a password: held back as long as earlier failures from this source or for this account
            // require, the same for success and failure, so that the wait tells a guesser nothing.
            var hold = _services.Throttle.HoldBeforeVerdict(RemoteAddress, _saslAccount);
            if (hold > TimeSpan.Zero)
            {
                Interlocked.Add(ref _verdictHeldMilliseconds, (long)Math.Ceiling(hold.TotalMilliseconds));
                await Task.Delay(hold, _services.Time, cancellationToken);
            }
        }

        switch (step)
        {
            case SaslStep.Challenge challenge:
                var challengeElement = new XmppElement("challenge", Namespaces.Sasl);
                challengeElement.AddText(challenge.Data.Length == 0 ? "=" : Convert.ToBase64String(challenge.Data));
                await WriteAsync(challengeElement, cancellationToken);
                return;

            case SaslStep.Success success:
                _mechanism = null;
                if (!Jid.TryCreate(success.Username, _domain!, null, out var user))
                {
                    await SendSaslFailureAsync(SaslFailureCondition.NotAuthorized, null, cancellationToken);
                    return;
                }

                _services.Throttle.RecordSuccess(user.ToString());
                var successElement = new XmppElement("success", Namespaces.Sasl);
                if (success.AdditionalData is { Length: > 0 } additional)
                {
                    successElement.AddText(Convert.ToBase64String(additional));
                }

                await WriteAsync(successElement, cancellationToken);

                // RFC 6120 §6.4.6: the stream restarts after success; larger stanzas are allowed from now on.
                _user = user;
                OnAuthenticated();
                _parser.Reset();
                _parser.MaxStanzaBytes = _services.ParserOptions.MaxStanzaBytes;
                _headerSent = false;
                Log.Authenticated(_services.Logger, Id, user.ToString(), _mechanismName);
                return;

            case SaslStep.Failure failure:
                _mechanism = null;
                if (failure.Condition == SaslFailureCondition.NotAuthorized)
                {
                    // One line per failure that fail2ban can match (README): the account asked for (a prepared JID,
                    // which holds no spaces), the source address, and nothing secret.
                    Log.AuthenticationFailed(_services.Logger, _saslAccount ?? "-", LogAddress(RemoteAddress), Id, _mechanismName);
                    _services.Throttle.RecordFailure(RemoteAddress, _saslAccount);
                }

                await SendSaslFailureAsync(failure.Condition, failure.Text, cancellationToken);
                return;
        }
    }

    /// <summary>The address as an operator's tools expect it: IPv4 clients of a dual-stack listener without the ::ffff: prefix.</summary>
    private static string LogAddress(System.Net.IPAddress? address)
        => address is null ? "-" : address.IsIPv4MappedToIPv6 ? address.MapToIPv4().ToString() : address.ToString();

    private ValueTask SendSaslFailureAsync(SaslFailureCondition condition, string? text, CancellationToken cancellationToken)
    {
        var failure = new XmppElement("failure", Namespaces.Sasl);
        failure.AddElement(SaslConditionName(condition), Namespaces.Sasl);
        if (text is not null)
        {
            failure.AddElement("text", Namespaces.Sasl).SetAttribute("lang", Namespaces.Xml, "en").AddText(text);
        }

        return WriteAsync(failure, cancellationToken);
    }

    private static string SaslConditionName(SaslFailureCondition condition) => condition switch
    {
        SaslFailureCondition.Aborted => "aborted",
        SaslFailureCondition.AccountDisabled => "account-disabled",
        SaslFailureCondition.CredentialsExpired => "credentials-expired",
        SaslFailureCondition.EncryptionRequired => "encryption-required",
        SaslFailureCondition.IncorrectEncoding => "incorrect-encoding",
        SaslFailureCondition.InvalidAuthzid => "invalid-authzid",
        SaslFailureCondition.InvalidMechanism => "invalid-mechanism",
        SaslFailureCondition.MalformedRequest => "malformed-request",
        SaslFailureCondition.MechanismTooWeak => "mechanism-too-weak",
        SaslFailureCondition.TemporaryAuthFailure => "temporary-auth-failure",
        _ => "not-authorized",
    };

    /// <summary>RFC 6120 §7: binds a resource and turns the stream into a session.</summary>
    private async ValueTask BindAsync(XmppElement iq, XmppElement bind, CancellationToken cancellationToken)
    {
        var user = _user!;
        Jid full;
        var requested = bind.ElementText("resource", Namespaces.Bind)?.Trim();
        if (string.IsNullOrEmpty(requested))
        {
            // RFC 6120 §7.6: the server generates a resource that is unique for the account.
            do
            {
                full = Jid.Create(user.Local, user.Domain, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));
            }
            while (_services.Sessions.IsBound(full));
        }
        else if (!Jid.TryCreate(user.Local, user.Domain, requested, out full!))
        {
            // RFC 6120 §7.7.2.1: a resource that violates the resourcepart rules is a bad request.
            await WriteAsync(XmppErrors.ErrorReply(iq, StanzaErrorCondition.BadRequest, text: "Invalid resource"), cancellationToken);
            return;
        }

        var result = new XmppElement("iq", StanzaNamespace) { Type = "result", Id = iq.Id };
        result.AddElement("bind", Namespaces.Bind).AddTextElement("jid", Namespaces.Bind, full.ToString());
        await WriteAsync(result, cancellationToken);

        var session = new ClientSession(Id, full, IsSecure, _services.Options.MaxOutboundQueue, CloseAsync, this)
        {
            MaxPendingBytes = _services.Options.MaxOutboundBytes,
        };
        _session = session;
        _writeLoop = WriteLoopAsync(session, countingFromStart: false);

        // RFC 6120 §7.7.2.2: the resource is in use; this server lets the newer session win (as Prosody does by default)
        // and ends the older stream with <conflict/>. The old session's end is announced before the new one's start,
        // so its unavailable presence cannot follow the new session's presence under the same full JID. The old
        // stream's close is not awaited: a peer that reads nothing must not stall this login.
        if (_services.Sessions.Bind(session) is { } replaced)
        {
            Log.ResourceConflict(_services.Logger, replaced.Id, full.ToString());
            _ = replaced.CloseAsync(StreamErrorCondition.Conflict, "Replaced by a new connection").AsTask();
            if (replaced.TryBeginClosedPublication())
            {
                await _services.Registry.PublishAsync(new SessionClosed(replaced, replaced.IsAvailable), cancellationToken);
            }
        }

        Log.SessionBound(_services.Logger, Id, full.ToString());
        await _services.Registry.PublishAsync(new SessionBound(session), cancellationToken);
    }
}
