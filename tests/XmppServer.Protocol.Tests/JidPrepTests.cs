using XmppServer.Protocol;

namespace XmppServer.Protocol.Tests;

public sealed class JidPrepTests
{
    [Theory]
    [InlineData("juliet", "juliet")]
    [InlineData("JULIET", "juliet")]
    [InlineData("ＪＵＬＩＥＴ", "juliet")]
    [InlineData("\uFF8A", "\u30CF")] // halfwidth katakana HA maps to its full width form
    [InlineData("A\u030A", "\u00E5")] // toLowerCase, then NFC
    [InlineData("\u212Bngstr\u00F6m", "\u00E5ngstr\u00F6m")] // ANGSTROM SIGN lowercases to a-ring
    [InlineData("\u10A0", "\u2D00")] // Georgian capital to small
    [InlineData("\U00010400", "\U00010428")] // Deseret, outside the BMP
    [InlineData("ΣΑΣ", "σας")] // final sigma only at the end of a word
    [InlineData("Σ", "σ")]
    public void PrepareLocal_MapsToCanonicalForm(string input, string expected)
        => Assert.Equal(expected, JidPrep.PrepareLocal(input));

    [Fact]
    public void PrepareLocal_AlreadyCanonicalAscii_ReturnsSameInstance()
    {
        var value = "juliet";
        Assert.Same(value, JidPrep.PrepareLocal(value));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("\u3000")] // ideographic space: width-mapped to U+0020, which IdentifierClass refuses
    [InlineData("\u2163")] // ROMAN NUMERAL FOUR: a compatibility character (LetterNumber)
    [InlineData("\u00AA")] // FEMININE ORDINAL INDICATOR: letter with a compatibility decomposition
    [InlineData("\u00BD")] // VULGAR FRACTION ONE HALF
    [InlineData("\u2665")] // symbol
    [InlineData("\u00BF")] // non-ASCII punctuation
    [InlineData("\u0640")] // ARABIC TATWEEL: an RFC 5892 exception, DISALLOWED
    [InlineData("\uFDD0")] // noncharacter
    public void PrepareLocal_OutsideIdentifierClass_ReturnsNull(string input)
        => Assert.Null(JidPrep.PrepareLocal(input));

    [Theory]
    [InlineData("\u00DF")] // RFC 5892 exception: PVALID
    [InlineData("\u03C2")] // RFC 5892 exception: PVALID
    [InlineData("\u0F0B")] // RFC 5892 exception: PVALID
    [InlineData("\u3007")] // RFC 5892 exception: PVALID
    [InlineData("\u0915\u093F")] // letter and spacing mark
    [InlineData("\u05D0\u05F3")] // geresh after a Hebrew letter
    [InlineData("\u0375\u03B1")] // keraia before a Greek letter
    public void PrepareLocal_InIdentifierClass_IsKept(string input)
        => Assert.Equal(input, JidPrep.PrepareLocal(input));

    [Theory]
    [InlineData("a\u05F3")] // geresh needs a Hebrew letter before it
    [InlineData("\u0375a")] // keraia needs a Greek letter after it
    [InlineData("\u200C")] // ZWNJ alone
    [InlineData("a\u200Cb")] // ZWNJ between non-joining letters
    public void PrepareLocal_ContextRuleNotMet_ReturnsNull(string input)
        => Assert.Null(JidPrep.PrepareLocal(input));

    [Theory]
    [InlineData("pencil", "pencil")]
    [InlineData("Pencil With Spaces", "Pencil With Spaces")]
    [InlineData("p\u00A0q", "p q")]
    [InlineData("p\u2003q", "p q")]
    [InlineData("e\u0301", "\u00E9")]
    [InlineData("ＡＢ", "ＡＢ")] // no width mapping
    [InlineData("\u2163\u2665", "\u2163\u2665")] // compatibility characters and symbols are FREE_PVAL
    [InlineData("\u00DF\u03A3", "\u00DF\u03A3")] // no case mapping
    public void PrepareOpaqueString_MapsToCanonicalForm(string input, string expected)
        => Assert.Equal(expected, JidPrep.PrepareOpaqueString(input));

    [Theory]
    [InlineData("")]
    [InlineData("a\tb")]
    [InlineData("a\u007Fb")]
    [InlineData("a\u0085b")]
    [InlineData("a\u200Bb")]
    [InlineData("a\uFEFFb")]
    [InlineData("\u0378")]
    [InlineData("\uE000")]
    [InlineData("a\u2029b")]
    public void PrepareOpaqueString_Disallowed_ReturnsNull(string input)
        => Assert.Null(JidPrep.PrepareOpaqueString(input));

    [Fact]
    public void PrepareOpaqueString_UnpairedSurrogate_ReturnsNull()
    {
        Assert.Null(JidPrep.PrepareOpaqueString("a\uD83D"));
        Assert.Null(JidPrep.PrepareOpaqueString("\uDE00a"));
        Assert.Equal("\uD83D\uDE00", JidPrep.PrepareOpaqueString("\uD83D\uDE00"));
    }

    [Fact]
    public void PrepareOpaqueString_LongerThanJidLimit_IsAllowed()
        => Assert.NotNull(JidPrep.PrepareOpaqueString(new string('p', 4096)));

    [Fact]
    public void PrepareResource_LongerThanJidLimit_ReturnsNull()
        => Assert.Null(JidPrep.PrepareResource(new string('p', 1024)));

    [Theory]
    [InlineData("example.com", "example.com")]
    [InlineData("EXAMPLE.com.", "example.com")]
    [InlineData("xn--bcher-kva.example", "bücher.example")]
    [InlineData("B\u00DCCHER.example", "bücher.example")]
    [InlineData("\uFF45\uFF58\uFF41\uFF4D\uFF50\uFF4C\uFF45\uFF0E\uFF43\uFF4F\uFF4D", "example.com")]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData("0.0.0.0", "0.0.0.0")]
    [InlineData("[::1]", "[::1]")]
    [InlineData("[FE80::A]", "[fe80::a]")]
    public void PrepareDomain_MapsToCanonicalForm(string input, string expected)
        => Assert.Equal(expected, JidPrep.PrepareDomain(input));

    [Fact]
    public void PrepareDomain_LabelLengths_FollowDns()
    {
        var label63 = new string('a', 63);
        Assert.NotNull(JidPrep.PrepareDomain(label63 + ".example"));
        Assert.Null(JidPrep.PrepareDomain(label63 + "a.example"));

        // 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 octets is the longest name; one more is too long.
        var longest = $"{label63}.{label63}.{label63}.{new string('b', 61)}";
        Assert.Equal(253, longest.Length);
        Assert.NotNull(JidPrep.PrepareDomain(longest));
        Assert.Null(JidPrep.PrepareDomain(longest + "b"));
        Assert.NotNull(JidPrep.PrepareDomain(longest + "."));
    }

    [Fact]
    public void PrepareDomain_LongInternationalLabel_CountsALabelLength()
    {
        // 60 "ü" need far more than 63 octets once punycoded.
        Assert.Null(JidPrep.PrepareDomain(new string('\u00FC', 60) + ".example"));
        Assert.NotNull(JidPrep.PrepareDomain(new string('\u00FC', 10) + ".example"));
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("example.com/x")]
    [InlineData("exam@ple.com")]
    [InlineData("\U0001F4A9.example")] // emoji: valid in UTS #46 but not in IDNA2008
    [InlineData("xn--ls8h.example")]
    [InlineData("a\u00B7b.example")]
    [InlineData("[::1]x")]
    [InlineData("[::1%1]")]
    [InlineData("256.1.1.1")]
    [InlineData("1.1.1.1.1")]
    public void PrepareDomain_Invalid_ReturnsNull(string input)
        => Assert.Null(JidPrep.PrepareDomain(input));
}
