using System.Diagnostics;
using System.Text;
using XmppServer.IntegrationTests.Infrastructure;
using XmppServer.Protocol;
using Xunit.Abstractions;

namespace XmppServer.IntegrationTests.Security;

/// <summary>
/// Malicious XML against a live server: each attack gets its exact stream error (RFC 6120 §4.9.3), the attacker's
/// stream ends, and honest clients on the same server log in and exchange a message afterwards.
/// </summary>
public sealed class HostileInputTests(ITestOutputHelper output) : AttackTestBase(output)
{
    private const string Header =
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>";

    private const string BillionLaughs =
        "<!DOCTYPE lolz [<!ENTITY lol 'lol'>" +
        "<!ENTITY lol1 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>" +
        "<!ENTITY lol2 '&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;'>" +
        "<!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'>]>";

    /// <summary>
    /// Sent before the stream header (the prolog) or after it, unauthenticated. RFC 6120 §11.1: DTDs, comments,
    /// processing instructions and entity references beyond the predefined five are restricted-xml.
    /// </summary>
    [Theory]
    [InlineData("billion laughs (DTD in the prolog)", BillionLaughs + Header, "restricted-xml")]
    [InlineData("billion laughs (DTD after the header)", Header + BillionLaughs + "<message>&lol3;</message>", "restricted-xml")]
    [InlineData("external entity (XXE)", "<?xml version='1.0'?><!DOCTYPE x [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]>" + Header, "restricted-xml")]
    [InlineData("undeclared entity reference", Header + "<message><body>&lol;</body></message>", "restricted-xml")]
    [InlineData("entity reference in an attribute", Header + "<message to='&xxe;'/>", "restricted-xml")]
    [InlineData("comment", Header + "<message><!-- hidden --></message>", "restricted-xml")]
    [InlineData("processing instruction", Header + "<?xml-stylesheet href='x'?>", "restricted-xml")]
    [InlineData("character reference to NUL", Header + "<message><body>&#0;</body></message>", "not-well-formed")]
    [InlineData("character reference beyond Unicode", Header + "<message><body>&#x110000;</body></message>", "not-well-formed")]
    [InlineData("mismatched end tag", Header + "<message><body>x</message></body>", "not-well-formed")]
    [InlineData("undeclared namespace prefix", Header + "<evil:message/>", "bad-namespace-prefix")]
    [InlineData("UTF-16 stream", "\uFEFF", "unsupported-encoding")]
    public async Task MalformedOrRestrictedXml_GetsItsStreamError_AndHonestClientsCarryOn(string attack, string xml, string condition)
    {
        await using var attacker = await XmppTestClient.ConnectAsync(Server);
        var watch = Stopwatch.StartNew();
        var bytes = condition == "unsupported-encoding" ? Encoding.Unicode.GetBytes(xml + Header) : Encoding.UTF8.GetBytes(xml);

        await attacker.SendBytesAsync(bytes);

        await ExpectStreamErrorAsync(attack, attacker, Condition(condition), watch);
        await HonestClientsExchangeAMessageAsync();
    }

    /// <summary>Invalid UTF-8 is not-well-formed (RFC 6120 §4.9.3.13, §11.6): never replaced, never passed on.</summary>
    [Theory]
    [InlineData("invalid UTF-8: overlong '/'", new byte[] { 0xC0, 0xAF })]
    [InlineData("invalid UTF-8: lone continuation byte", new byte[] { 0x80 })]
    [InlineData("invalid UTF-8: surrogate half", new byte[] { 0xED, 0xA0, 0x80 })]
    [InlineData("invalid UTF-8: beyond U+10FFFF", new byte[] { 0xF4, 0x90, 0x80, 0x80 })]
    [InlineData("invalid UTF-8: truncated sequence", new byte[] { 0xE2, 0x82 })]
    public async Task InvalidUtf8_GetsNotWellFormed_AndHonestClientsCarryOn(string attack, byte[] sequence)
    {
        await using var attacker = await OpenUnauthenticatedAsync();
        var watch = Stopwatch.StartNew();

        await attacker.SendBytesAsync([.. "<message><body>a"u8, .. sequence, .. "b</body></message>"u8]);

        await ExpectStreamErrorAsync(attack, attacker, StreamErrorCondition.NotWellFormed, watch);
        await HonestClientsExchangeAMessageAsync();
    }

    /// <summary>Structure beyond the parser's limits, before authentication: policy-violation (RFC 6120 §4.9.3.14).</summary>
    [Theory]
    [InlineData("deep nesting (10,000 levels)")]
    [InlineData("attribute flood (1,000 attributes)")]
    [InlineData("namespace declaration flood (20 on one element)")]
    [InlineData("oversize stanza before authentication (20 KiB)")]
    [InlineData("oversize stream header (20 KiB)")]
    [InlineData("white space flood between stanzas (20 KiB)")]
    [InlineData("huge element name (100 KiB)")]
    public async Task StructureBeyondLimits_BeforeAuthentication_GetsPolicyViolation_AndHonestClientsCarryOn(string attack)
    {
        var (xml, opened) = attack switch
        {
            "deep nesting (10,000 levels)" => (string.Concat(Enumerable.Repeat("<a>", 10_000)), true),
            "attribute flood (1,000 attributes)" => ("<message" + string.Concat(Enumerable.Range(0, 1_000).Select(i => $" a{i}='x'")) + "/>", true),
            "namespace declaration flood (20 on one element)" => ("<message" + string.Concat(Enumerable.Range(0, 20).Select(i => $" xmlns:p{i}='urn:{i}'")) + "/>", true),
            "oversize stanza before authentication (20 KiB)" => ("<message><body>" + new string('x', 20 * 1024) + "</body></message>", true),
            "oversize stream header (20 KiB)" => (Header.Replace("version='1.0'", "version='1.0' id='" + new string('i', 20 * 1024) + "'", StringComparison.Ordinal), false),
            "white space flood between stanzas (20 KiB)" => (new string(' ', 20 * 1024), true),
            _ => ("<" + new string('n', 100 * 1024), true),
        };
        await using var attacker = opened ? await OpenUnauthenticatedAsync() : await XmppTestClient.ConnectAsync(Server);
        var watch = Stopwatch.StartNew();

        await attacker.SendAsync(xml);

        var text = await ExpectStreamErrorAsync(attack, attacker, StreamErrorCondition.PolicyViolation, watch);
        if (attack.StartsWith("namespace", StringComparison.Ordinal))
        {
            // Fewer than the 64 attributes allowed, more than the 16 declarations: the declaration limit is what fired.
            Assert.Equal("Too many namespace declarations on one element.", text);
        }

        await HonestClientsExchangeAMessageAsync();
    }

    /// <summary>
    /// Size limits that only an authenticated client can reach (the stanza limit before authentication is 16 KiB):
    /// policy-violation, and the attacker's session ends without disturbing others.
    /// </summary>
    [Theory]
    [InlineData("oversize stanza after authentication (300 KiB)")]
    [InlineData("huge attribute value (40,000 characters)")]
    [InlineData("huge text node (140,000 characters)")]
    public async Task SizeBeyondLimits_AfterAuthentication_GetsPolicyViolation_AndHonestClientsCarryOn(string attack)
    {
        var xml = attack switch
        {
            "oversize stanza after authentication (300 KiB)" => "<message to='bob@localhost'><body>" + new string('x', 300 * 1024) + "</body></message>",
            "huge attribute value (40,000 characters)" => "<message to='bob@localhost' id='" + new string('i', 40_000) + "'/>",
            _ => "<message to='bob@localhost'><body>" + new string('x', 140_000) + "</body></message>",
        };
        await using var attacker = await XmppTestClient.LoginAsync(Server, Mallory);
        var watch = Stopwatch.StartNew();

        await attacker.SendAsync(xml);

        await ExpectStreamErrorAsync(attack, attacker, StreamErrorCondition.PolicyViolation, watch);
        await HonestClientsExchangeAMessageAsync();
    }

    private static StreamErrorCondition Condition(string name) => name switch
    {
        "restricted-xml" => StreamErrorCondition.RestrictedXml,
        "not-well-formed" => StreamErrorCondition.NotWellFormed,
        "bad-namespace-prefix" => StreamErrorCondition.BadNamespacePrefix,
        "unsupported-encoding" => StreamErrorCondition.UnsupportedEncoding,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };
}
