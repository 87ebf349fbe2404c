using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;
using XmppServer.Protocol;

namespace XmppServer.Core.Connections;

/// <summary>
/// Counts open connections per source and unauthenticated connections in total, and refuses a new connection beyond
/// either limit. A connection is admitted once, marked authenticated at most once, and released once.
/// </summary>
internal sealed class ConnectionAdmission
{
    private readonly ConcurrentDictionary<IPAddress, int> _perSource = new();
    private readonly ConnectionLimitOptions _options;
    private readonly IPNetwork[] _exempt;
    private int _unauthenticated;

    public ConnectionAdmission(IOptions<ConnectionLimitOptions> options)
    {
        _options = options.Value;
        if (!_options.TryParseExemptAddresses(out _exempt))
        {
            throw new InvalidOperationException("Xmpp:Limits:ExemptAddresses is not a comma-separated list of CIDR networks.");
        }
    }

    /// <summary>Connections not yet authenticated.</summary>
    public int Unauthenticated => Volatile.Read(ref _unauthenticated);

    /// <summary>
    /// Admits a connection from <paramref name="address"/>, counting it as unauthenticated. On refusal nothing is
    /// counted and <paramref name="refusal"/> is the stream error to send. <paramref name="source"/> is what to
    /// release later (null when the source is not counted).
    /// </summary>
    public bool TryAdmit(IPAddress? address, out IPAddress? source, out XmppStreamException? refusal)
    {
        source = address is null || IsExempt(address) ? null : SourceAddress.Key(address);
        if (source is not null && !TryIncrementSource(source))
        {
            // RFC 6120 §4.9.3.14: the source broke a local policy (too many streams); the text names it.
            refusal = new XmppStreamException(StreamErrorCondition.PolicyViolation, "Too many connections from your address");
            source = null;
            return false;
        }

        if (Interlocked.Increment(ref _unauthenticated) > _options.MaxUnauthenticatedConnections)
        {
            Interlocked.Decrement(ref _unauthenticated);
            if (source is not null)
            {
                DecrementSource(source);
                source = null;
            }

            // RFC 6120 §4.9.3.17: the server lacks the resources to serve the stream now; no fault of this client.
            refusal = new XmppStreamException(StreamErrorCondition.ResourceConstraint, "Too many connections are being set up; try again later");
            return false;
        }

        refusal = null;
        return true;
    }

    /// <summary>The connection authenticated: it no longer counts against the unauthenticated limit.</summary>
    public void Authenticated() => Interlocked.Decrement(ref _unauthenticated);

    /// <summary>The admitted connection ended.</summary>
    public void Release(IPAddress? source, bool stillUnauthenticated)
    {
        if (stillUnauthenticated)
        {
            Interlocked.Decrement(ref _unauthenticated);
        }

        if (source is not null)
        {
            DecrementSource(source);
        }
    }

    /// <summary>Open connections counted for the source of <paramref name="address"/>.</summary>
    public int CountFor(IPAddress address) => _perSource.TryGetValue(SourceAddress.Key(address), out var count) ? count : 0;

    private bool IsExempt(IPAddress address)
    {
        var plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        foreach (var network in _exempt)
        {
            if (network.Contains(plain))
            {
                return true;
            }
        }

        return false;
    }

    private bool TryIncrementSource(IPAddress source)
    {
        while (true)
        {
            if (_perSource.TryGetValue(source, out var count))
            {
                if (count >= _options.MaxConnectionsPerAddress)
                {
                    return false;
                }

                if (_perSource.TryUpdate(source, count + 1, count))
                {
                    return true;
                }
            }
            else if (_perSource.TryAdd(source, 1))
            {
                return true;
            }
        }
    }

    private void DecrementSource(IPAddress source)
    {
        while (_perSource.TryGetValue(source, out var count))
        {
            // The last connection removes the entry, so a scan of many addresses leaves nothing behind.
            if (count <= 1 ? _perSource.TryRemove(new KeyValuePair<IPAddress, int>(source, count)) : _perSource.TryUpdate(source, count - 1, count))
            {
                return;
            }
        }
    }
}
