using System.Globalization;
using System.Text;

namespace XmppServer.Protocol;

/// <summary>
/// Preparation and enforcement of the three JID parts (RFC 7622 §3.2-3.4). Each method returns the canonical form,
/// or null when the input is not allowed.
/// </summary>
public static class JidPrep
{
    /// <summary>RFC 7622 §3.1: each part is at most 1023 octets once encoded as UTF-8.</summary>
    public const int MaxPartBytes = 1023;

    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = false };

    /// <summary>Localpart: PRECIS UsernameCaseMapped profile (RFC 8265 §3.3) plus the RFC 7622 §3.3.1 exclusions.</summary>
    public static string? PrepareLocal(string value)
    {
        if (value.Length == 0)
        {
            return null;
        }

        // RFC 8265 §3.3.2: width mapping, then case mapping (toLower), then NFC.
        var mapped = value.Normalize(NormalizationForm.FormKC) == value ? value : WidthMap(value);
        mapped = mapped.ToLowerInvariant().Normalize(NormalizationForm.FormC);
        foreach (var rune in mapped.EnumerateRunes())
        {
            // RFC 7622 §3.3.1: these characters are not allowed in a localpart.
            if (rune.Value is '"' or '&' or '\'' or '/' or ':' or '<' or '>' or '@')
            {
                return null;
            }

            if (!IsIdentifierClass(rune))
            {
                return null;
            }
        }

        return Fits(mapped) ? mapped : null;
    }

    /// <summary>Domainpart: lowercased, IDNA-mapped to its Unicode form (RFC 7622 §3.2), trailing dot removed.</summary>
    public static string? PrepareDomain(string value)
    {
        if (value.Length == 0)
        {
            return null;
        }

        // RFC 7622 §3.2: a trailing dot is stripped before comparison.
        if (value[^1] == '.')
        {
            value = value[..^1];
            if (value.Length == 0)
            {
                return null;
            }
        }

        // IP literals (RFC 7622 §3.2.1) are used as they are.
        if (value[0] == '[')
        {
            return value[^1] == ']' && System.Net.IPAddress.TryParse(value.AsSpan(1, value.Length - 2), out _) && Fits(value) ? value : null;
        }

        string canonical;
        try
        {
            // Lowercase first: IDNA mapping of upper-case ASCII is the same as lower-case.
            var lower = value.ToLowerInvariant().Normalize(NormalizationForm.FormC);
            var ascii = Idn.GetAscii(lower);
            canonical = Idn.GetUnicode(ascii);
        }
        catch (ArgumentException)
        {
            return null;
        }

        foreach (var c in canonical)
        {
            // Host names: letters, digits, hyphen and dots in their ASCII form; anything that survived IDNA
            // but is a space, a control or a JID delimiter cannot be a domain.
            if (c is ' ' or '@' or '/' or '\\' or '"' or '\'' or '<' or '>' or '&' or ':' || char.IsControl(c))
            {
                return null;
            }
        }

        foreach (var label in canonical.Split('.'))
        {
            if (label.Length == 0 || label.Length > 63)
            {
                return null;
            }
        }

        return Fits(canonical) ? canonical : null;
    }

    /// <summary>Resourcepart: PRECIS OpaqueString profile (RFC 8265 §4.2): spaces mapped, NFC, no controls.</summary>
    public static string? PrepareResource(string value)
    {
        if (value.Length == 0)
        {
            return null;
        }

        var builder = new StringBuilder(value.Length);
        foreach (var rune in value.EnumerateRunes())
        {
            // RFC 8265 §4.2.2: non-ASCII spaces map to U+0020.
            if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.SpaceSeparator)
            {
                builder.Append(' ');
                continue;
            }

            if (!IsFreeformClass(rune))
            {
                return null;
            }

            builder.Append(rune.ToString());
        }

        var prepared = builder.ToString().Normalize(NormalizationForm.FormC);
        return prepared.Length > 0 && Fits(prepared) ? prepared : null;
    }

    private static bool Fits(string value) => Encoding.UTF8.GetByteCount(value) <= MaxPartBytes;

    private static string WidthMap(string value)
    {
        // RFC 8265 §3.3.2 rule 1: fullwidth and halfwidth characters map to their decomposition mappings.
        var builder = new StringBuilder(value.Length);
        foreach (var rune in value.EnumerateRunes())
        {
            var text = rune.ToString();
            var decomposed = text.Normalize(NormalizationForm.FormKC);
            var isWidth = rune.Value is >= 0xFF00 and <= 0xFFEF;
            builder.Append(isWidth ? decomposed : text);
        }

        return builder.ToString();
    }

    // PRECIS IdentifierClass (RFC 8264 §4.2): letters, digits and printable ASCII; no spaces, no symbols beyond ASCII,
    // no controls, no unassigned code points.
    private static bool IsIdentifierClass(Rune rune)
    {
        if (rune.Value is >= 0x21 and <= 0x7E)
        {
            return true;
        }

        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.LowercaseLetter or UnicodeCategory.UppercaseLetter or UnicodeCategory.OtherLetter or
            UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.DecimalDigitNumber or
            UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark => true,
            _ => false,
        };
    }

    // PRECIS FreeformClass (RFC 8264 §4.3): also spaces, symbols and punctuation; still no controls or unassigned.
    private static bool IsFreeformClass(Rune rune)
    {
        if (rune.Value is >= 0x20 and <= 0x7E)
        {
            return true;
        }

        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.Control or UnicodeCategory.OtherNotAssigned or UnicodeCategory.Surrogate or
            UnicodeCategory.PrivateUse or UnicodeCategory.Format or UnicodeCategory.LineSeparator or
            UnicodeCategory.ParagraphSeparator => false,
            _ => true,
        };
    }
}
