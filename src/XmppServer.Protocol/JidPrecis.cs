using System.Globalization;
using System.Text;

namespace XmppServer.Protocol;

/// <summary>
/// The PRECIS string classes (RFC 8264 §4, derived property §8-9), their contextual rules (RFC 5892 Appendix A) and
/// the Bidi Rule (RFC 5893 §2) over arrays of code points. .NET exposes general categories and normalisation but not
/// Bidi_Class, scripts, joining types or combining classes, so those are approximated from code point ranges; the
/// approximations only matter for right-to-left and joiner-bearing strings.
/// </summary>
internal static class JidPrecis
{
    private enum Property
    {
        Valid,
        ContextJ,
        ContextO,
        Disallowed,
    }

    private enum BidiClass
    {
        L,
        R,
        AL,
        EN,
        ES,
        ET,
        AN,
        CS,
        NSM,
        BN,
        WS,
        ON,
    }

    /// <summary>Splits UTF-16 into code points; false when the text holds an unpaired surrogate.</summary>
    public static bool TryGetCodePoints(string value, out int[] codePoints)
    {
        var result = new List<int>(value.Length);
        var span = value.AsSpan();
        while (!span.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(span, out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                codePoints = [];
                return false;
            }

            result.Add(rune.Value);
            span = span[consumed..];
        }

        codePoints = [.. result];
        return true;
    }

    public static string FromCodePoints(IEnumerable<int> codePoints)
    {
        var builder = new StringBuilder();
        foreach (var cp in codePoints)
        {
            builder.Append(char.ConvertFromUtf32(cp));
        }

        return builder.ToString();
    }

    /// <summary>RFC 8264 §9.17: true when the code point changes under NFKC (it has a compatibility decomposition).</summary>
    public static bool HasCompat(int cp)
    {
        var text = char.ConvertFromUtf32(cp);
        return !string.Equals(text.Normalize(NormalizationForm.FormKC), text, StringComparison.Ordinal);
    }

    /// <summary>RFC 8264 §4.2: every code point is PVALID in IdentifierClass, or its contextual rule holds.</summary>
    public static bool IsIdentifierClass(ReadOnlySpan<int> cps, bool nfkcStable) => IsInClass(cps, identifier: true, nfkcStable);

    /// <summary>RFC 8264 §4.3: every code point is PVALID or FREE_PVAL in FreeformClass, or its contextual rule holds.</summary>
    public static bool IsFreeformClass(ReadOnlySpan<int> cps) => IsInClass(cps, identifier: false, nfkcStable: true);

    /// <summary>RFC 8264 §9.14: the "non-ASCII space" of the OpaqueString additional mapping rule (RFC 8265 §4.2.2).</summary>
    public static bool IsNonAsciiSpace(int cp)
        => cp != 0x20 && CharUnicodeInfo.GetUnicodeCategory(cp) == UnicodeCategory.SpaceSeparator;

    /// <summary>
    /// RFC 8265 §3.3.2 rule 1: fullwidth and halfwidth code points (decomposition type &lt;wide&gt; or &lt;narrow&gt;)
    /// map to their decomposition. All of them live in the Halfwidth and Fullwidth Forms block, plus U+3000.
    /// </summary>
    public static void AppendWidthMapped(List<int> output, int cp)
    {
        if (cp is (>= 0xFF01 and <= 0xFFEE) or 0x3000)
        {
            var mapped = char.ConvertFromUtf32(cp).Normalize(NormalizationForm.FormKC);
            foreach (var rune in mapped.EnumerateRunes())
            {
                output.Add(rune.Value);
            }

            return;
        }

        output.Add(cp);
    }

    /// <summary>
    /// RFC 8265 §3.3.2 rule 3: Unicode toLowerCase. The invariant culture gives the simple mappings; the two
    /// language-independent full mappings are added here: U+0130 becomes "i" + U+0307, and a capital sigma at the end
    /// of a word becomes final sigma (Unicode §3.13 Final_Sigma).
    /// </summary>
    public static int[] ToLowerCase(ReadOnlySpan<int> cps)
    {
        var output = new List<int>(cps.Length + 1);
        for (var i = 0; i < cps.Length; i++)
        {
            var cp = cps[i];
            if (cp == 0x0130)
            {
                output.Add('i');
                output.Add(0x0307);
            }
            else if (cp == 0x03A3)
            {
                output.Add(IsFinalSigma(cps, i) ? 0x03C2 : 0x03C3);
            }
            else
            {
                output.Add(Rune.ToLowerInvariant(new Rune(cp)).Value);
            }
        }

        return [.. output];
    }

    /// <summary>
    /// RFC 5893 §2: a string holding any R, AL or AN code point must meet conditions 1-4; a string that is part of a
    /// bidi domain name but has none must meet conditions 1, 5 and 6.
    /// </summary>
    public static bool SatisfiesBidiRule(ReadOnlySpan<int> cps)
    {
        if (cps.IsEmpty)
        {
            return true;
        }

        // Condition 1: the first character has directionality L, R or AL.
        var first = Classify(cps[0]);
        if (first is not (BidiClass.L or BidiClass.R or BidiClass.AL))
        {
            return false;
        }

        var rtl = HasRightToLeft(cps);
        var hasEn = false;
        var hasAn = false;
        var last = BidiClass.NSM;
        foreach (var cp in cps)
        {
            var bidi = Classify(cp);
            var allowed = rtl
                ? bidi is not (BidiClass.L or BidiClass.WS) // condition 2
                : bidi is BidiClass.L or BidiClass.EN or BidiClass.ES or BidiClass.CS or BidiClass.ET or BidiClass.ON
                    or BidiClass.BN or BidiClass.NSM; // condition 5
            if (!allowed)
            {
                return false;
            }

            hasEn |= bidi == BidiClass.EN;
            hasAn |= bidi == BidiClass.AN;
            if (bidi != BidiClass.NSM)
            {
                last = bidi;
            }
        }

        if (rtl)
        {
            // Conditions 3 and 4: ends in R, AL, EN or AN (then NSMs); EN and AN do not mix.
            return (last is BidiClass.R or BidiClass.AL or BidiClass.EN or BidiClass.AN) && !(hasEn && hasAn);
        }

        // Condition 6: ends in L or EN (then NSMs).
        return last is BidiClass.L or BidiClass.EN;
    }

    /// <summary>RFC 5893 §1.4: an "RTL label" holds at least one R, AL or AN code point.</summary>
    public static bool HasRightToLeft(ReadOnlySpan<int> cps)
    {
        foreach (var cp in cps)
        {
            if (cp >= 0x0590 && Classify(cp) is BidiClass.R or BidiClass.AL or BidiClass.AN)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsInClass(ReadOnlySpan<int> cps, bool identifier, bool nfkcStable)
    {
        for (var i = 0; i < cps.Length; i++)
        {
            var cp = cps[i];

            // RFC 8264 §9.11: ASCII7 (U+0021-U+007E) is PVALID in both classes.
            if (cp is >= 0x21 and <= 0x7E)
            {
                continue;
            }

            var ok = GetProperty(cp, identifier, nfkcStable) switch
            {
                Property.Valid => true,
                Property.ContextJ => ContextJAllows(cps, i),
                Property.ContextO => ContextOAllows(cps, i),
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    // RFC 8264 §8: the derived property, evaluated in the order the RFC gives (the first rule that matches wins).
    private static Property GetProperty(int cp, bool identifier, bool nfkcStable)
    {
        // §9.6 Exceptions (F), taken from RFC 5892 §2.6.
        switch (cp)
        {
            case 0x00DF or 0x03C2 or 0x06FD or 0x06FE or 0x0F0B or 0x3007:
                return Property.Valid;
            case 0x00B7 or 0x0375 or 0x05F3 or 0x05F4 or 0x30FB or (>= 0x0660 and <= 0x0669) or (>= 0x06F0 and <= 0x06F9):
                return Property.ContextO;
            case 0x0640 or 0x07FA or 0x302E or 0x302F or (>= 0x3031 and <= 0x3035) or 0x303B:
                return Property.Disallowed;
            default:
                break;
        }

        var category = CharUnicodeInfo.GetUnicodeCategory(cp);

        // §9.10 Unassigned (J); noncharacters are also Cn and fall under §9.13 anyway.
        if (category == UnicodeCategory.OtherNotAssigned)
        {
            return Property.Disallowed;
        }

        // §9.8 JoinControl (H).
        if (cp is 0x200C or 0x200D)
        {
            return Property.ContextJ;
        }

        // §9.9 OldHangulJamo (I), §9.13 PrecisIgnorableProperties (M), §9.12 Controls (L).
        if (IsOldHangulJamo(cp) || IsDefaultIgnorable(cp) || IsNoncharacter(cp) || category == UnicodeCategory.Control)
        {
            return Property.Disallowed;
        }

        // §9.14-9.18: OtherLetterDigits (R), Spaces (N), Symbols (O), Punctuation (P) and HasCompat (Q) are
        // ID_DISALLOWED but FREE_PVAL.
        var freeformOnly = category is UnicodeCategory.TitlecaseLetter or UnicodeCategory.LetterNumber
                or UnicodeCategory.OtherNumber or UnicodeCategory.EnclosingMark or UnicodeCategory.SpaceSeparator
                or UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol
                or UnicodeCategory.OtherSymbol or UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
                or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation
                or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation
                or UnicodeCategory.OtherPunctuation
            || (!nfkcStable && HasCompat(cp));
        if (freeformOnly)
        {
            return identifier ? Property.Disallowed : Property.Valid;
        }

        // §9.1 LetterDigits (A): PVALID. Anything else (private use, surrogates, separators, format) is DISALLOWED.
        return category is UnicodeCategory.LowercaseLetter or UnicodeCategory.UppercaseLetter
            or UnicodeCategory.OtherLetter or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.ModifierLetter
            or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark
            ? Property.Valid
            : Property.Disallowed;
    }

    // RFC 5892 Appendix A.1 and A.2.
    private static bool ContextJAllows(ReadOnlySpan<int> cps, int index)
    {
        // Both joiners are allowed straight after a virama (Canonical_Combining_Class 9).
        if (index > 0 && IsVirama(cps[index - 1]))
        {
            return true;
        }

        if (cps[index] != 0x200C)
        {
            return false;
        }

        // ZERO WIDTH NON-JOINER between joining letters: (L|D) T* ZWNJ T* (R|D). Joining_Type is approximated as
        // "a letter of a cursive right-to-left script", with marks standing in for the transparent type.
        var before = index - 1;
        while (before >= 0 && IsMark(cps[before]))
        {
            before--;
        }

        var after = index + 1;
        while (after < cps.Length && IsMark(cps[after]))
        {
            after++;
        }

        return before >= 0 && after < cps.Length && IsJoiningLetter(cps[before]) && IsJoiningLetter(cps[after]);
    }

    // RFC 5892 Appendix A.3-A.9.
    private static bool ContextOAllows(ReadOnlySpan<int> cps, int index)
    {
        var cp = cps[index];
        switch (cp)
        {
            case 0x00B7:
                // A.3 MIDDLE DOT: only between two 'l' (Catalan "l·l").
                return index > 0 && index < cps.Length - 1 && cps[index - 1] == 'l' && cps[index + 1] == 'l';
            case 0x0375:
                // A.4 GREEK LOWER NUMERAL SIGN (KERAIA): followed by a Greek character.
                return index < cps.Length - 1 && IsGreek(cps[index + 1]);
            case 0x05F3 or 0x05F4:
                // A.5, A.6 HEBREW PUNCTUATION GERESH / GERSHAYIM: preceded by a Hebrew character.
                return index > 0 && IsHebrew(cps[index - 1]);
            case 0x30FB:
                // A.7 KATAKANA MIDDLE DOT: the string also holds Hiragana, Katakana or Han.
                foreach (var other in cps)
                {
                    if (other != 0x30FB && IsHiraganaKatakanaOrHan(other))
                    {
                        return true;
                    }
                }

                return false;
            case >= 0x0660 and <= 0x0669:
                // A.8 ARABIC-INDIC DIGITS: not mixed with Extended Arabic-Indic digits.
                return !Contains(cps, 0x06F0, 0x06F9);
            default:
                // A.9 EXTENDED ARABIC-INDIC DIGITS: not mixed with Arabic-Indic digits.
                return !Contains(cps, 0x0660, 0x0669);
        }
    }

    private static bool Contains(ReadOnlySpan<int> cps, int low, int high)
    {
        foreach (var cp in cps)
        {
            if (cp >= low && cp <= high)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsFinalSigma(ReadOnlySpan<int> cps, int index)
    {
        // Unicode §3.13 Final_Sigma: a cased letter precedes (case-ignorables skipped) and none follows.
        var before = index - 1;
        while (before >= 0 && IsCaseIgnorable(cps[before]))
        {
            before--;
        }

        if (before < 0 || !IsCased(cps[before]))
        {
            return false;
        }

        var after = index + 1;
        while (after < cps.Length && IsCaseIgnorable(cps[after]))
        {
            after++;
        }

        return after >= cps.Length || !IsCased(cps[after]);
    }

    private static bool IsCased(int cp)
        => CharUnicodeInfo.GetUnicodeCategory(cp) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
            or UnicodeCategory.TitlecaseLetter;

    private static bool IsCaseIgnorable(int cp)
        => cp is '\'' or '.' or ':' or 0x00B7 or 0x0387 or 0x055F or 0x05F4 or 0x2018 or 0x2019 or 0x2024 or 0xFE13
            or 0xFE52 or 0xFE55 or 0xFF07 or 0xFF0E or 0xFF1A
        || CharUnicodeInfo.GetUnicodeCategory(cp) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark
            or UnicodeCategory.Format or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol;

    private static bool IsMark(int cp)
        => CharUnicodeInfo.GetUnicodeCategory(cp) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark;

    private static bool IsJoiningLetter(int cp)
        => (CharUnicodeInfo.GetUnicodeCategory(cp) is UnicodeCategory.OtherLetter or UnicodeCategory.LowercaseLetter
                or UnicodeCategory.UppercaseLetter)
            && (Classify(cp) == BidiClass.AL || cp is (>= 0x07C0 and <= 0x07FF) or (>= 0x1800 and <= 0x18AF)
                or (>= 0xA840 and <= 0xA87F) or (>= 0x10AC0 and <= 0x10AFF) or (>= 0x10B80 and <= 0x10BAF)
                or (>= 0x1E900 and <= 0x1E95F));

    private static bool IsVirama(int cp)
        => cp is 0x094D or 0x09CD or 0x0A4D or 0x0ACD or 0x0B4D or 0x0BCD or 0x0C4D or 0x0CCD or 0x0D3B or 0x0D3C
            or 0x0D4D or 0x0DCA or 0x0E3A or 0x0EBA or 0x0F84 or 0x1039 or 0x103A or 0x1714 or 0x1715 or 0x1734
            or 0x17D2 or 0x1A60 or 0x1B44 or 0x1BAA or 0x1BAB or 0x1BF2 or 0x1BF3 or 0x2D7F or 0xA806 or 0xA82C
            or 0xA8C4 or 0xA953 or 0xA9C0 or 0xAAF6 or 0xABED or 0x10A3F or 0x11046 or 0x11070 or 0x1107F or 0x110B9
            or 0x11133 or 0x11134 or 0x111C0 or 0x11235 or 0x112EA or 0x1134D or 0x11442 or 0x114C2 or 0x115BF
            or 0x1163F or 0x116B6 or 0x1172B or 0x11839 or 0x1193D or 0x1193E or 0x119E0 or 0x11A34 or 0x11A47
            or 0x11A99 or 0x11C3F or 0x11D44 or 0x11D45 or 0x11D97 or 0x11F41 or 0x11F42;

    private static bool IsGreek(int cp)
        => cp is (>= 0x0370 and <= 0x03FF and not 0x0374 and not 0x037E and not 0x0385 and not 0x0387)
            or (>= 0x1F00 and <= 0x1FFF) or (>= 0x10140 and <= 0x1018F) or (>= 0x1D200 and <= 0x1D24F);

    private static bool IsHebrew(int cp) => cp is (>= 0x0591 and <= 0x05F4) or (>= 0xFB1D and <= 0xFB4F);

    private static bool IsHiraganaKatakanaOrHan(int cp)
        => cp is (>= 0x3041 and <= 0x3096) or (>= 0x309D and <= 0x309F) // Hiragana
            or (>= 0x30A1 and <= 0x30FA) or (>= 0x30FD and <= 0x30FF) or (>= 0x31F0 and <= 0x31FF)
            or (>= 0x32D0 and <= 0x32FE) or (>= 0x3300 and <= 0x3357) or (>= 0xFF66 and <= 0xFF6F)
            or (>= 0xFF71 and <= 0xFF9D) or (>= 0x1AFF0 and <= 0x1B16F) // Katakana and kana supplements
            or (>= 0x2E80 and <= 0x2FD5) or 0x3005 or 0x3007 or (>= 0x3021 and <= 0x3029) or (>= 0x3038 and <= 0x303B)
            or (>= 0x3400 and <= 0x4DBF) or (>= 0x4E00 and <= 0x9FFF) or (>= 0xF900 and <= 0xFAFF)
            or (>= 0x20000 and <= 0x3FFFF); // Han

    // Hangul_Syllable_Type L, V or T: the conjoining jamo blocks.
    private static bool IsOldHangulJamo(int cp)
        => cp is (>= 0x1100 and <= 0x11FF) or (>= 0xA960 and <= 0xA97F) or (>= 0xD7B0 and <= 0xD7FF);

    // Default_Ignorable_Code_Point (DerivedCoreProperties.txt).
    private static bool IsDefaultIgnorable(int cp)
        => cp is 0x00AD or 0x034F or 0x061C or 0x115F or 0x1160 or 0x17B4 or 0x17B5 or (>= 0x180B and <= 0x180F)
            or (>= 0x200B and <= 0x200F) or (>= 0x202A and <= 0x202E) or (>= 0x2060 and <= 0x206F) or 0x3164
            or (>= 0xFE00 and <= 0xFE0F) or 0xFEFF or 0xFFA0 or (>= 0xFFF0 and <= 0xFFF8)
            or (>= 0x1BCA0 and <= 0x1BCA3) or (>= 0x1D173 and <= 0x1D17A) or (>= 0xE0000 and <= 0xE0FFF);

    // Noncharacter_Code_Point: U+FDD0-U+FDEF and the last two code points of every plane.
    private static bool IsNoncharacter(int cp) => cp is >= 0xFDD0 and <= 0xFDEF || (cp & 0xFFFE) == 0xFFFE;

    // Bidi_Class, approximated: explicit lists for numbers and separators, marks as NSM, the right-to-left blocks as R
    // or AL, remaining punctuation and symbols as ON, and everything else as L.
    private static BidiClass Classify(int cp)
    {
        if (cp is (>= '0' and <= '9') or 0x00B2 or 0x00B3 or 0x00B9 or (>= 0x06F0 and <= 0x06F9) or 0x2070
            or (>= 0x2074 and <= 0x2079) or (>= 0x2080 and <= 0x2089) or (>= 0x2488 and <= 0x249B)
            or (>= 0xFF10 and <= 0xFF19) or (>= 0x1D7CE and <= 0x1D7FF) or (>= 0x1F100 and <= 0x1F10A)
            or (>= 0x1FBF0 and <= 0x1FBF9))
        {
            return BidiClass.EN;
        }

        if (cp is (>= 0x0600 and <= 0x0605) or (>= 0x0660 and <= 0x0669) or 0x066B or 0x066C or 0x06DD or 0x0890
            or 0x0891 or 0x08E2 or (>= 0x10D30 and <= 0x10D39) or (>= 0x10E60 and <= 0x10E7E))
        {
            return BidiClass.AN;
        }

        if (cp is '+' or '-' or 0x207A or 0x207B or 0x208A or 0x208B or 0x2212 or 0xFB29 or 0xFE62 or 0xFE63
            or 0xFF0B or 0xFF0D)
        {
            return BidiClass.ES;
        }

        if (cp is ',' or '.' or '/' or ':' or 0x00A0 or 0x060C or 0x202F or 0x2044 or 0xFE50 or 0xFE52 or 0xFE55
            or 0xFF0C or 0xFF0E or 0xFF0F or 0xFF1A)
        {
            return BidiClass.CS;
        }

        var category = CharUnicodeInfo.GetUnicodeCategory(cp);
        if (cp is '#' or '$' or '%' or 0x00B0 or 0x00B1 or 0x0609 or 0x060A or 0x066A or 0x2030 or 0x2031
            or 0x2032 or 0x2033 or 0x2034 or 0x212E or 0x2213 or 0xFE5F or 0xFE69 or 0xFE6A or 0xFF03 or 0xFF04
            or 0xFF05 || category == UnicodeCategory.CurrencySymbol)
        {
            return BidiClass.ET;
        }

        switch (category)
        {
            case UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark:
                return BidiClass.NSM;
            case UnicodeCategory.Format or UnicodeCategory.Control:
                return BidiClass.BN;
            case UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator:
                return BidiClass.WS;
            default:
                break;
        }

        if (cp is (>= 0x0600 and <= 0x07BF) or (>= 0x0860 and <= 0x08FF) or (>= 0xFB50 and <= 0xFDCF)
            or (>= 0xFDF0 and <= 0xFDFF) or (>= 0xFE70 and <= 0xFEFF) or (>= 0x10D00 and <= 0x10D3F)
            or (>= 0x10EC0 and <= 0x10EFF) or (>= 0x10F30 and <= 0x10F6F) or (>= 0x1EC70 and <= 0x1ECBF)
            or (>= 0x1ED00 and <= 0x1ED4F) or (>= 0x1EE00 and <= 0x1EEFF))
        {
            return BidiClass.AL;
        }

        if (cp is (>= 0x0590 and <= 0x05FF) or (>= 0x07C0 and <= 0x085F) or (>= 0xFB1D and <= 0xFB4F)
            or (>= 0x10800 and <= 0x10FFF) or (>= 0x1E800 and <= 0x1EFFF))
        {
            return BidiClass.R;
        }

        return category is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation
            or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation
            or UnicodeCategory.OtherPunctuation or UnicodeCategory.MathSymbol or UnicodeCategory.ModifierSymbol
            or UnicodeCategory.OtherSymbol
            ? BidiClass.ON
            : BidiClass.L;
    }
}
