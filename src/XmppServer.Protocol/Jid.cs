using System.Diagnostics.CodeAnalysis;

namespace XmppServer.Protocol;

/// <summary>
/// An XMPP address (RFC 7622): [localpart@]domainpart[/resourcepart], always held in canonical form, so equality
/// is ordinal comparison of the parts. Instances are immutable and cache their string form and bare JID.
/// </summary>
public sealed class Jid : IEquatable<Jid>
{
    private string? _string;
    private Jid? _bare;

    private Jid(string? local, string domain, string? resource)
    {
        Local = local;
        Domain = domain;
        Resource = resource;
    }

    /// <summary>The localpart, or null when there is none.</summary>
    public string? Local { get; }

    public string Domain { get; }

    /// <summary>The resourcepart, or null when there is none.</summary>
    public string? Resource { get; }

    [MemberNotNullWhen(false, nameof(Resource))]
    public bool IsBare => Resource is null;

    public bool IsDomain => Local is null && Resource is null;

    [MemberNotNullWhen(true, nameof(Resource))]
    public bool IsFull => Resource is not null;

    /// <summary>This JID without its resource (RFC 7622 §3.1: the "bare JID").</summary>
    public Jid Bare => _bare ??= Resource is null ? this : new Jid(Local, Domain, null);

    /// <summary>The domain alone as a JID.</summary>
    public Jid DomainJid => Local is null && Resource is null ? this : new Jid(null, Domain, null);

    public Jid WithResource(string resource)
    {
        var prepared = JidPrep.PrepareResource(resource) ?? throw new FormatException("Invalid resourcepart.");
        return new Jid(Local, Domain, prepared);
    }

    /// <summary>Parses and normalises a JID string; false when it is not a valid JID (the caller answers jid-malformed).</summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out Jid? jid)
    {
        jid = null;
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        // RFC 7622 §3.1: the first '/' ends the domainpart; '@' before it ends the localpart.
        var slash = value.IndexOf('/');
        var head = slash < 0 ? value.AsSpan() : value.AsSpan(0, slash);
        var at = head.IndexOf('@');

        string? local = null;
        if (at >= 0)
        {
            local = JidPrep.PrepareLocal(value[..at]);
            if (local is null)
            {
                return false;
            }
        }

        var domain = JidPrep.PrepareDomain(head[(at + 1)..].ToString());
        if (domain is null)
        {
            return false;
        }

        string? resource = null;
        if (slash >= 0)
        {
            resource = JidPrep.PrepareResource(value[(slash + 1)..]);
            if (resource is null)
            {
                return false;
            }
        }

        jid = new Jid(local, domain, resource);
        return true;
    }

    public static Jid Parse(string value)
        => TryParse(value, out var jid) ? jid : throw new FormatException($"'{value}' is not a valid JID.");

    /// <summary>Builds a JID from parts, each prepared as in <see cref="TryParse"/>.</summary>
    public static bool TryCreate(string? local, string domain, string? resource, [NotNullWhen(true)] out Jid? jid)
    {
        jid = null;
        string? preparedLocal = null;
        if (local is not null && (preparedLocal = JidPrep.PrepareLocal(local)) is null)
        {
            return false;
        }

        var preparedDomain = JidPrep.PrepareDomain(domain);
        if (preparedDomain is null)
        {
            return false;
        }

        string? preparedResource = null;
        if (resource is not null && (preparedResource = JidPrep.PrepareResource(resource)) is null)
        {
            return false;
        }

        jid = new Jid(preparedLocal, preparedDomain, preparedResource);
        return true;
    }

    public static Jid Create(string? local, string domain, string? resource = null)
        => TryCreate(local, domain, resource, out var jid) ? jid : throw new FormatException("Invalid JID parts.");

    public bool Equals(Jid? other)
        => other is not null && (ReferenceEquals(this, other) ||
            (Domain == other.Domain && Local == other.Local && Resource == other.Resource));

    public override bool Equals(object? obj) => obj is Jid other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Local, Domain, Resource);

    public static bool operator ==(Jid? left, Jid? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(Jid? left, Jid? right) => !(left == right);

    public override string ToString()
        => _string ??= (Local, Resource) switch
        {
            (null, null) => Domain,
            (null, _) => $"{Domain}/{Resource}",
            (_, null) => $"{Local}@{Domain}",
            _ => $"{Local}@{Domain}/{Resource}",
        };
}
