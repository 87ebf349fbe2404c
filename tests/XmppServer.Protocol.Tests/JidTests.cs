using XmppServer.Protocol;

namespace XmppServer.Protocol.Tests;

public sealed class JidTests
{
    // RFC 7622 §3.5 examples, plus canonicalisation cases: input and the canonical string it must become.
    public static TheoryData<string, string> ValidJids => new()
    {
        // RFC 7622 §3.5.1: good examples.
        { "juliet@example.com", "juliet@example.com" },
        { "juliet@example.com/foo", "juliet@example.com/foo" },
        { "juliet@example.com/foo bar", "juliet@example.com/foo bar" },
        { "juliet@example.com/foo@bar", "juliet@example.com/foo@bar" },
        { "foo\\20bar@example.com", "foo\\20bar@example.com" },
        { "fussball@example.com", "fussball@example.com" },
        { "fußball@example.com", "fußball@example.com" },
        { "π@example.com", "π@example.com" },
        { "Σ@example.com/foo", "σ@example.com/foo" },
        { "σ@example.com/foo", "σ@example.com/foo" },
        { "ς@example.com/foo", "ς@example.com/foo" },
        { "king@example.com/♚", "king@example.com/♚" },
        { "example.com", "example.com" },
        { "example.com/foobar", "example.com/foobar" },
        { "a.example.com/b@example.net", "a.example.com/b@example.net" },

        // Case: localpart and domainpart are case-mapped, the resourcepart is not.
        { "Juliet@Example.COM/Balcony", "juliet@example.com/Balcony" },
        { "ROMEO@MONTAGUE.LIT", "romeo@montague.lit" },
        { "\u0130@example.com", "i\u0307@example.com" },
        { "ΟΔΟΣ@example.com", "οδος@example.com" },

        // Width mapping in the localpart and the domainpart (not in the resourcepart).
        { "ｊｕｌｉｅｔ@example.com", "juliet@example.com" },
        { "juliet@ｅｘａｍｐｌｅ.com", "juliet@example.com" },
        { "juliet@example.com/ｆｏｏ", "juliet@example.com/ｆｏｏ" },

        // NFC in every part.
        { "e\u0301@example.com", "\u00E9@example.com" },
        { "juliet@example.com/e\u0301", "juliet@example.com/\u00E9" },
        { "juliet@caf\u0065\u0301.example", "juliet@caf\u00E9.example" },

        // Resourcepart: non-ASCII spaces become U+0020, compatibility characters and symbols are kept.
        { "juliet@example.com/foo\u00A0bar", "juliet@example.com/foo bar" },
        { "juliet@example.com/foo\u3000bar", "juliet@example.com/foo bar" },
        { "juliet@example.com/\uFB01", "juliet@example.com/\uFB01" },
        { "juliet@example.com/a/b", "juliet@example.com/a/b" },

        // Domainpart forms.
        { "juliet@example.com.", "juliet@example.com" },
        { "juliet@example。com", "juliet@example.com" },
        { "juliet@xn--fuball-cta.de", "juliet@fußball.de" },
        { "juliet@FUẞBALL.de", "juliet@fußball.de" },
        { "juliet@bücher.example", "juliet@bücher.example" },
        { "juliet@XN--BCHER-KVA.example", "juliet@bücher.example" },
        { "juliet@my_host.example", "juliet@my_host.example" },
        { "juliet@192.168.0.1", "juliet@192.168.0.1" },
        { "juliet@[2001:DB8::1]/r", "juliet@[2001:db8::1]/r" },
        { "[0:0:0:0:0:0:0:1]", "[::1]" },
        { "juliet@[::ffff:192.0.2.1]", "juliet@[::ffff:192.0.2.1]" },
        { "localhost", "localhost" },

        // Scripts, joiners and the contextual rules of RFC 5892 Appendix A.
        { "\u05D0\u05D1@example.com", "\u05D0\u05D1@example.com" },
        { "\u05D01@example.com", "\u05D01@example.com" },
        { "\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645@example.com", "\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645@example.com" },
        { "\u0915\u094D\u200D\u0937@example.com", "\u0915\u094D\u200D\u0937@example.com" },
        { "l\u00B7l@example.com", "l\u00B7l@example.com" },
        { "\u30A2\u30FB\u30A4@example.com", "\u30A2\u30FB\u30A4@example.com" },
        { "\u0628\u0661\u0662@example.com", "\u0628\u0661\u0662@example.com" },
        { "juliet@\u05D0\u05D1.example", "juliet@\u05D0\u05D1.example" },
        { "\u4E2D\u6587@\u4F8B\u5B50.\u6D4B\u8BD5/\u8D44\u6E90", "\u4E2D\u6587@\u4F8B\u5B50.\u6D4B\u8BD5/\u8D44\u6E90" },
    };

    public static TheoryData<string> InvalidJids => new()
    {
        // RFC 7622 §3.5.2: bad examples.
        "\"juliet\"@example.com",
        "foo bar@example.com",
        "@example.com/",
        "henry\u2163@example.com",
        "♚@example.com",
        "juliet@",
        "/foobar",

        // Empty parts.
        "",
        "@example.com",
        "juliet@example.com/",
        "juliet@/foo",
        ".",

        // Localpart: RFC 7622 §3.3.1 exclusions (also when reached through width mapping), IdentifierClass.
        "a:b@example.com",
        "a<b@example.com",
        "a&b@example.com",
        "a'b@example.com",
        "a\uFF20b@example.com",
        "\uFB01@example.com",
        "a\u0000b@example.com",
        "a\u0007b@example.com",
        "a\u200Bb@example.com",
        "a\u00ADb@example.com",
        "\u0378@example.com",
        "\uE000@example.com",
        "\u01C5@example.com",
        "a\u00A0b@example.com",
        "a\u00B7b@example.com",
        "a\u200Db@example.com",
        "\u30FB@example.com",
        "\u0628\u0661\u06F1@example.com",
        "\u1100@example.com",

        // Localpart: the Bidi Rule for right-to-left strings.
        "a\u05D0@example.com",
        "1\u05D0@example.com",
        "\u0661\u0662@example.com",
        "\u05D0a@example.com",

        // Resourcepart: FreeformClass.
        "juliet@example.com/foo\u0007",
        "juliet@example.com/foo\u200Bbar",
        "juliet@example.com/\u0378",
        "juliet@example.com/\uE000",
        "juliet@example.com/a\u2028b",

        // Domainpart.
        "juliet@exa mple.com",
        "juliet@exa!mple.com",
        "juliet@-example.com",
        "juliet@example-.com",
        "juliet@ab--cd.com",
        "juliet@example..com",
        "juliet@.example.com",
        "juliet@example.com..",
        "juliet@xn--abc.com",
        "juliet@\u2603.com",
        "juliet@\u0301a.com",
        "juliet@a\u05D0.com",
        "juliet@\u05D0\u05D1.1com",
        "juliet@1.2.3.256",
        "juliet@01.2.3.4",
        "juliet@1.2.3",
        "juliet@[::1",
        "juliet@[fe80::1%eth0]",
        "juliet@[1.2.3.4]",
        "juliet@[v1.abc]",
        "juliet@[]",
        "a@b@example.com",
    };

    [Theory]
    [MemberData(nameof(ValidJids))]
    public void TryParse_ValidJid_YieldsCanonicalForm(string input, string expected)
    {
        Assert.True(Jid.TryParse(input, out var jid));
        Assert.Equal(expected, jid.ToString());
    }

    [Theory]
    [MemberData(nameof(InvalidJids))]
    public void TryParse_InvalidJid_ReturnsFalse(string input)
    {
        Assert.False(Jid.TryParse(input, out var jid));
        Assert.Null(jid);
        Assert.Throws<FormatException>(() => Jid.Parse(input));
    }

    [Fact]
    public void TryParse_Null_ReturnsFalse() => Assert.False(Jid.TryParse(null, out _));

    // Unpaired surrogates cannot travel through theory data (they are replaced on the way), so they get their own test.
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void TryParse_UnpairedSurrogate_ReturnsFalse(int part)
    {
        var surrogate = part == 1 ? "\uDC00" : "\uD800";
        var input = part switch
        {
            0 => $"a{surrogate}@example.com",
            1 => $"juliet@example{surrogate}.com",
            _ => $"juliet@example.com/r{surrogate}",
        };
        Assert.False(Jid.TryParse(input, out _));
    }

    [Theory]
    [MemberData(nameof(ValidJids))]
    public void ToString_ParsedAgain_YieldsEqualJid(string input, string expected)
    {
        var jid = Jid.Parse(input);
        var again = Jid.Parse(jid.ToString());
        Assert.Equal(jid, again);
        Assert.Equal(expected, again.ToString());
        Assert.Equal(jid.GetHashCode(), again.GetHashCode());
    }

    [Fact]
    public void Parse_FullJid_SplitsParts()
    {
        var jid = Jid.Parse("juliet@example.com/foo@bar/baz");
        Assert.Equal("juliet", jid.Local);
        Assert.Equal("example.com", jid.Domain);
        Assert.Equal("foo@bar/baz", jid.Resource);
        Assert.True(jid.IsFull);
        Assert.False(jid.IsBare);
        Assert.False(jid.IsDomain);
    }

    [Fact]
    public void Parse_DomainJid_HasNoLocalOrResource()
    {
        var jid = Jid.Parse("example.com");
        Assert.Null(jid.Local);
        Assert.Null(jid.Resource);
        Assert.True(jid.IsDomain);
        Assert.True(jid.IsBare);
        Assert.Same(jid, jid.Bare);
        Assert.Same(jid, jid.DomainJid);
    }

    [Fact]
    public void Equality_CaseOfLocalAndDomain_IsIgnored()
    {
        var a = Jid.Parse("Juliet@Example.com/balcony");
        var b = Jid.Parse("juliet@EXAMPLE.COM/balcony");
        Assert.Equal(a, b);
        Assert.True(a == b);
        Assert.False(a != b);
        Assert.True(a.Equals((object)b));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Fact]
    public void Equality_CaseOfResource_Matters()
    {
        var a = Jid.Parse("juliet@example.com/Balcony");
        var b = Jid.Parse("juliet@example.com/balcony");
        Assert.NotEqual(a, b);
        Assert.True(a != b);
    }

    [Fact]
    public void Equality_DifferentParts_AreNotEqual()
    {
        Assert.NotEqual(Jid.Parse("fussball@example.com"), Jid.Parse("fußball@example.com"));
        Assert.NotEqual(Jid.Parse("juliet@example.com"), Jid.Parse("example.com"));
        Assert.NotEqual(Jid.Parse("juliet@example.com"), Jid.Parse("juliet@example.com/r"));
        Assert.NotEqual(Jid.Parse("example.com/juliet"), Jid.Parse("juliet@example.com"));
        Assert.False(Jid.Parse("example.com").Equals(null));
        Assert.True((Jid?)null == null);
        Assert.False(Jid.Parse("example.com") == null);
    }

    [Fact]
    public void Equality_EquivalentIpv6Spellings_AreEqual()
        => Assert.Equal(Jid.Parse("a@[2001:db8:0:0:0:0:0:1]"), Jid.Parse("a@[2001:DB8::1]"));

    [Fact]
    public void Bare_FullJid_DropsResource()
    {
        var full = Jid.Parse("juliet@example.com/balcony");
        var bare = full.Bare;
        Assert.Equal(Jid.Parse("juliet@example.com"), bare);
        Assert.True(bare.IsBare);
        Assert.Same(bare, full.Bare);
        Assert.Same(bare, bare.Bare);
        Assert.Equal("juliet@example.com", bare.ToString());
    }

    [Fact]
    public void DomainJid_FullJid_KeepsOnlyDomain()
        => Assert.Equal(Jid.Parse("example.com"), Jid.Parse("juliet@example.com/balcony").DomainJid);

    [Fact]
    public void WithResource_PreparesResource()
    {
        var jid = Jid.Parse("Juliet@example.com").WithResource("foo\u00A0Bar");
        Assert.Equal("juliet@example.com/foo Bar", jid.ToString());
        Assert.Throws<FormatException>(() => jid.WithResource(string.Empty));
        Assert.Throws<FormatException>(() => jid.WithResource("a\u0007"));
    }

    [Fact]
    public void Create_Parts_ArePrepared()
    {
        var jid = Jid.Create("Juliet", "Example.COM.", "Balcony");
        Assert.Equal("juliet@example.com/Balcony", jid.ToString());
        Assert.Equal(Jid.Parse("juliet@example.com/Balcony"), jid);
    }

    [Theory]
    [InlineData("", "example.com", null)]
    [InlineData("juliet", "example.com", "")]
    [InlineData("juliet", "", null)]
    [InlineData("ju liet", "example.com", null)]
    [InlineData("juliet@x", "example.com", null)]
    [InlineData(null, "example.com/x", null)]
    public void TryCreate_InvalidParts_ReturnsFalse(string? local, string domain, string? resource)
    {
        Assert.False(Jid.TryCreate(local, domain, resource, out var jid));
        Assert.Null(jid);
        Assert.Throws<FormatException>(() => Jid.Create(local, domain, resource));
    }

    [Fact]
    public void TryCreate_ResourceWithSlashAndAt_Allowed()
    {
        Assert.True(Jid.TryCreate(null, "example.com", "a@b/c", out var jid));
        Assert.Equal("example.com/a@b/c", jid.ToString());
        Assert.Equal(jid, Jid.Parse(jid.ToString()));
    }

    [Theory]
    [InlineData(1023, true)]
    [InlineData(1024, false)]
    public void TryParse_LocalpartLength_LimitedTo1023Octets(int octets, bool valid)
        => Assert.Equal(valid, Jid.TryParse(new string('a', octets) + "@example.com", out _));

    [Theory]
    [InlineData(511, true)] // 511 * 2 + 1 = 1023 octets
    [InlineData(512, false)] // 512 * 2 + 1 = 1025 octets
    public void TryParse_MultibyteLocalpartLength_CountsUtf8Octets(int characters, bool valid)
        => Assert.Equal(valid, Jid.TryParse(new string('\u00E9', characters) + "a@example.com", out _));

    [Theory]
    [InlineData(1023, true)]
    [InlineData(1024, false)]
    public void TryParse_ResourcepartLength_LimitedTo1023Octets(int octets, bool valid)
        => Assert.Equal(valid, Jid.TryParse("juliet@example.com/" + new string('r', octets), out _));

    [Theory]
    [InlineData(341, true)] // 341 * 3 = 1023 octets
    [InlineData(342, false)] // 342 * 3 = 1026 octets
    public void TryParse_MultibyteResourcepartLength_CountsUtf8Octets(int characters, bool valid)
        => Assert.Equal(valid, Jid.TryParse("juliet@example.com/" + string.Concat(Enumerable.Repeat("♚", characters)), out _));

    [Fact]
    public void TryParse_LocalpartOf1023OctetsBeforeMapping_CountsPreparedForm()
    {
        // Each fullwidth letter is 3 octets but maps to a 1-octet ASCII letter.
        var local = string.Concat(Enumerable.Repeat("\uFF41", 1000));
        Assert.True(Jid.TryParse(local + "@example.com", out var jid));
        Assert.Equal(new string('a', 1000), jid.Local);
    }
}
