using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace XmppServer.Protocol;

/// <summary>
/// Preparation and enforcement of the three JID parts (RFC 7622 §3.2-3.4) and of the PRECIS OpaqueString profile
/// (RFC 8265 §4.2) that passwords share with resourceparts. Each method returns the canonical form, or null when the
/// input is not allowed.
/// </summary>
public static class JidPrep
{
    /// <summary>RFC 7622 §3.1: each part is at most 1023 octets once encoded as UTF-8.</summary>
    public const int MaxPartBytes = 1023;

    // RFC 1035 §2.3.4, RFC 5890 §2.3.2.1: at most 63 octets a label and 253 for the name in text form (A-labels).
    private const int MaxLabelLength = 63;
    private const int MaxDomainNameLength = 253;

    // RFC 8264 §7: rules are reapplied until the output is stable, giving up after three more applications.
    private const int MaxReapplications = 3;

    private static readonly SearchValues<char> DigitsAndDots = SearchValues.Create("0123456789.");
    private static readonly SearchValues<char> LabelCharacters = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-_");
    private static readonly SearchValues<char> Ipv6Characters = SearchValues.Create("0123456789abcdefABCDEF:.");

    /// <summary>
    /// Localpart: PRECIS UsernameCaseMapped profile (RFC 8265 §3.3: width mapping, toLowerCase, NFC, Bidi Rule,
    /// IdentifierClass) plus the RFC 7622 §3.3.1 exclusions.
    /// </summary>
    public static string? PrepareLocal(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0)
        {
            return null;
        }

        if (Ascii.IsValid(value))
        {
            return PrepareAsciiLocal(value);
        }

        var prepared = ApplyUntilStable(value, ApplyUsernameCaseMappedRules);
        if (prepared is null || !JidPrecis.TryGetCodePoints(prepared, out var cps))
        {
            return null;
        }

        foreach (var cp in cps)
        {
            if (IsExcludedFromLocal(cp))
            {
                return null;
            }
        }

        // RFC 8265 §3.3.2 rule 5: the Bidi Rule applies to strings holding right-to-left code points.
        if (JidPrecis.HasRightToLeft(cps) && !JidPrecis.SatisfiesBidiRule(cps))
        {
            return null;
        }

        return JidPrecis.IsIdentifierClass(cps, prepared.IsNormalized(NormalizationForm.FormKC)) && Fits(prepared)
            ? prepared
            : null;
    }

    /// <summary>
    /// Domainpart (RFC 7622 §3.2): an IPv4 address, a bracketed IPv6 address, or a domain name of NR-LDH labels and
    /// U-labels. Names are lowercased, IDNA-mapped, held in U-label form (A-labels are decoded), and a trailing dot is
    /// removed.
    /// </summary>
    public static string? PrepareDomain(string value)
    {
        ArgumentNullException.ThrowIfNull(value);

        // RFC 7622 §3.2: a final label separator is stripped before the domainpart is used or compared.
        if (value.Length > 0 && value[^1] is '.' or '\u3002' or '\uFF0E' or '\uFF61')
        {
            value = value[..^1];
        }

        if (value.Length == 0)
        {
            return null;
        }

        // RFC 7622 §3.2.1: an IP literal is an IPv6 address in brackets or a dotted-quad IPv4 address (RFC 3986 §3.2.2).
        if (value[0] == '[')
        {
            return PrepareIpv6Literal(value);
        }

        if (value.AsSpan().IndexOfAnyExcept(DigitsAndDots) < 0)
        {
            // A name of digits and dots can only be an IPv4 address (RFC 1123 §2.1: no top-level domain is numeric).
            return IsIpv4Address(value) ? value : null;
        }

        if (Ascii.IsValid(value) && !value.Contains("xn--", StringComparison.OrdinalIgnoreCase))
        {
            var lower = value.ToLowerInvariant();
            return lower.Length <= MaxDomainNameLength && AreValidLdhLabels(lower) ? lower : null;
        }

        return PrepareInternationalDomain(value);
    }

    /// <summary>Resourcepart: PRECIS OpaqueString profile (RFC 7622 §3.4, RFC 8265 §4.2), at most 1023 octets.</summary>
    public static string? PrepareResource(string value)
    {
        var prepared = PrepareOpaqueString(value);
        return prepared is not null && Fits(prepared) ? prepared : null;
    }

    /// <summary>
    /// PRECIS OpaqueString profile (RFC 8265 §4.2): non-ASCII spaces become U+0020, NFC, FreeformClass (no controls,
    /// no unassigned or ignorable code points), case and width kept, not empty. Used for resourceparts and passwords.
    /// </summary>
    public static string? PrepareOpaqueString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0)
        {
            return null;
        }

        if (Ascii.IsValid(value))
        {
            // RFC 8264 §9.11, §9.12: printable ASCII and space are allowed; ASCII controls are not.
            return value.AsSpan().IndexOfAnyExceptInRange(' ', '~') < 0 ? value : null;
        }

        var prepared = ApplyUntilStable(value, ApplyOpaqueStringRules);
        return prepared is not null && prepared.Length > 0 && JidPrecis.TryGetCodePoints(prepared, out var cps)
            && JidPrecis.IsFreeformClass(cps)
            ? prepared
            : null;
    }

    private static bool Fits(string value) => Encoding.UTF8.GetByteCount(value) <= MaxPartBytes;

    private static string? PrepareAsciiLocal(string value)
    {
        foreach (var c in value)
        {
            // RFC 8264 §9.11: only printable ASCII (U+0021-U+007E) is in IdentifierClass; RFC 7622 §3.3.1 excludes more.
            if (c is < '!' or > '~' || IsExcludedFromLocal(c))
            {
                return null;
            }
        }

        // RFC 8265 §3.3.2 rule 3: case mapping; ASCII needs nothing else (it is in NFC and has no width variants).
        return value.Length <= MaxPartBytes ? value.ToLowerInvariant() : null;
    }

    // RFC 7622 §3.3.1: characters IdentifierClass allows that a localpart may not contain.
    private static bool IsExcludedFromLocal(int cp) => cp is '"' or '&' or '\'' or '/' or ':' or '<' or '>' or '@';

    private static string? ApplyUntilStable(string value, Func<string, string?> rules)
    {
        var output = rules(value);
        if (output is null || output == value)
        {
            return output;
        }

        for (var i = 0; i < MaxReapplications; i++)
        {
            var next = rules(output);
            if (next is null || next == output)
            {
                return next;
            }

            output = next;
        }

        return null;
    }

    // RFC 8265 §3.3.2 rules 1-4: width mapping, no additional mapping, toLowerCase, NFC.
    private static string? ApplyUsernameCaseMappedRules(string value)
    {
        if (!JidPrecis.TryGetCodePoints(value, out var cps))
        {
            return null;
        }

        var widthMapped = new List<int>(cps.Length);
        foreach (var cp in cps)
        {
            JidPrecis.AppendWidthMapped(widthMapped, cp);
        }

        var lowered = JidPrecis.ToLowerCase(CollectionsMarshal.AsSpan(widthMapped));
        return NormalizeC(JidPrecis.FromCodePoints(lowered));
    }

    // RFC 8265 §4.2.2 rules 1-4: no width mapping, non-ASCII spaces to U+0020, no case mapping, NFC.
    private static string? ApplyOpaqueStringRules(string value)
    {
        if (!JidPrecis.TryGetCodePoints(value, out var cps))
        {
            return null;
        }

        for (var i = 0; i < cps.Length; i++)
        {
            if (JidPrecis.IsNonAsciiSpace(cps[i]))
            {
                cps[i] = ' ';
            }
        }

        return NormalizeC(JidPrecis.FromCodePoints(cps));
    }

    private static string? NormalizeC(string value)
    {
        try
        {
            return value.IsNormalized(NormalizationForm.FormC) ? value : value.Normalize(NormalizationForm.FormC);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static string? PrepareInternationalDomain(string value)
    {
        string ascii;
        string canonical;
        try
        {
            // RFC 7622 §3.2.3 and RFC 5895: lowercase, NFC and width-map, then convert through the A-label form to
            // the U-label form. UTS #46 mapping is run with STD3 rules off; the labels are checked below instead.
            var idn = new IdnMapping { AllowUnassigned = false, UseStd3AsciiRules = false };
            ascii = idn.GetAscii(value.ToLowerInvariant().Normalize(NormalizationForm.FormC));
            canonical = idn.GetUnicode(ascii).Normalize(NormalizationForm.FormC);
        }
        catch (ArgumentException)
        {
            return null;
        }

        if (ascii.Length > MaxDomainNameLength || !AreValidLabels(canonical))
        {
            return null;
        }

        return Fits(canonical) ? canonical : null;
    }

    // The common case of a plain ASCII host name, checked without allocating.
    private static bool AreValidLdhLabels(ReadOnlySpan<char> name)
    {
        foreach (var range in name.Split('.'))
        {
            if (!IsValidLdhLabel(name[range]))
            {
                return false;
            }
        }

        return true;
    }

    // RFC 5890 §2.3.1, RFC 5891 §4.2.3.1: no empty label, no hyphen at either end, and "--" in the third and fourth
    // positions is reserved for A-labels (which were decoded before this check). Underscores are tolerated, as
    // nameprep without STD3 rules tolerates them and service names in the wild use them.
    private static bool IsValidLdhLabel(ReadOnlySpan<char> label)
        => label.Length is > 0 and <= MaxLabelLength && label[0] != '-' && label[^1] != '-'
            && !(label.Length >= 4 && label[2] == '-' && label[3] == '-')
            && label.IndexOfAnyExcept(LabelCharacters) < 0;

    private static bool AreValidLabels(string name)
    {
        var labels = name.Split('.');
        var bidiDomain = false;
        var labelCodePoints = new int[labels.Length][];
        for (var i = 0; i < labels.Length; i++)
        {
            var label = labels[i];
            if (Ascii.IsValid(label))
            {
                if (!IsValidLdhLabel(label))
                {
                    return false;
                }

                labelCodePoints[i] = [];
                continue;
            }

            // The same length and hyphen rules hold for U-labels (RFC 5891 §4.2.3.1); the A-label length was checked
            // by the IDNA conversion.
            if (label[0] == '-' || label[^1] == '-' || (label.Length >= 4 && label[2] == '-' && label[3] == '-')
                || !JidPrecis.TryGetCodePoints(label, out var cps) || !IsValidULabel(label, cps))
            {
                return false;
            }

            labelCodePoints[i] = cps;
            bidiDomain |= JidPrecis.HasRightToLeft(cps);
        }

        if (!bidiDomain)
        {
            return true;
        }

        // RFC 5893 §2: in a domain name with any right-to-left label, every label meets the Bidi Rule.
        for (var i = 0; i < labels.Length; i++)
        {
            var cps = labelCodePoints[i].Length > 0 ? labelCodePoints[i] : labels[i].Select(c => (int)c).ToArray();
            if (!JidPrecis.SatisfiesBidiRule(cps))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsValidULabel(string label, int[] cps)
    {
        // RFC 5891 §4.2.3.2: a label does not begin with a combining mark.
        if (CharUnicodeInfo.GetUnicodeCategory(cps[0]) is UnicodeCategory.NonSpacingMark
            or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark)
        {
            return false;
        }

        foreach (var cp in cps)
        {
            if (cp < 0x80 && !(char.IsAsciiLetterLower((char)cp) || char.IsAsciiDigit((char)cp) || cp == '-'))
            {
                return false;
            }
        }

        // RFC 5892 §2: the IDNA2008 derived property is, for letters, digits and marks, the PRECIS IdentifierClass
        // (same exceptions and context rules); symbols and punctuation that UTS #46 lets through are refused here.
        return JidPrecis.IsIdentifierClass(cps, label.IsNormalized(NormalizationForm.FormKC));
    }

    private static string? PrepareIpv6Literal(string value)
    {
        if (value.Length < 4 || value[^1] != ']')
        {
            return null;
        }

        var inner = value.AsSpan(1, value.Length - 2);

        // RFC 3986 §3.2.2: hex digits, colons and an optional dotted-quad tail; no zone identifier, no IPvFuture.
        if (inner.IndexOfAnyExcept(Ipv6Characters) >= 0
            || !IPAddress.TryParse(inner, out var address) || address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return null;
        }

        // One address, one spelling: the RFC 5952 text form, so "[::1]" and "[0:0:0:0:0:0:0:1]" compare equal.
        return $"[{address}]";
    }

    private static bool IsIpv4Address(string value)
    {
        var octets = 0;
        foreach (var part in value.Split('.'))
        {
            // RFC 3986 §3.2.2 dec-octet: 0-255 without leading zeros.
            if (part.Length is 0 or > 3 || (part.Length > 1 && part[0] == '0') || int.Parse(part, CultureInfo.InvariantCulture) > 255)
            {
                return false;
            }

            octets++;
        }

        return octets == 4;
    }
}
