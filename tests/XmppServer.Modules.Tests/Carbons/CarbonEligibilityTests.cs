using XmppServer.Modules.Carbons;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Carbons;

public sealed class CarbonEligibilityTests
{
    [Theory]
    [InlineData("<message type='chat'><body>hi</body></message>")]
    [InlineData("<message type='chat'/>")]
    [InlineData("<message type='normal'><body>hi</body></message>")]
    [InlineData("<message><body>hi</body></message>")]
    [InlineData("<message type='unknown'><body>hi</body></message>")]
    [InlineData("<message><received xmlns='urn:xmpp:receipts' id='m1'/></message>")]
    [InlineData("<message><request xmlns='urn:xmpp:receipts'/></message>")]
    [InlineData("<message><composing xmlns='http://jabber.org/protocol/chatstates'/></message>")]
    [InlineData("<message><displayed xmlns='urn:xmpp:chat-markers:0' id='m1'/></message>")]
    [InlineData("<message><x xmlns='jabber:x:conference' jid='room@muc.example'/></message>")]
    [InlineData("<message><x xmlns='http://jabber.org/protocol/muc#user'><invite from='a@b'/></x></message>")]
    public void IsEligible_ImMessage_True(string xml)
    {
        Assert.True(CarbonEligibility.IsEligible(Parse(xml), CarbonDirection.Received));
        Assert.True(CarbonEligibility.IsEligible(Parse(xml), CarbonDirection.Sent));
    }

    [Theory]
    [InlineData("<message/>")]
    [InlineData("<message type='normal'><subject>no body</subject></message>")]
    [InlineData("<message type='groupchat'><body>room</body></message>")]
    [InlineData("<message type='headline'><body>news</body></message>")]
    [InlineData("<message type='error'><body>hi</body><error type='cancel'/></message>")]
    [InlineData("<message type='chat'><body>hi</body><private xmlns='urn:xmpp:carbons:2'/></message>")]
    [InlineData("<message type='chat'><body>hi</body><no-copy xmlns='urn:xmpp:hints'/></message>")]
    [InlineData("<message type='chat'><body>hi</body><private xmlns='urn:xmpp:carbons:2'/><no-copy xmlns='urn:xmpp:hints'/></message>")]
    [InlineData("<message type='chat'><sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'/></sent></message>")]
    [InlineData("<message type='chat'><received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'/></received></message>")]
    public void IsEligible_NotImOrOptedOut_False(string xml)
    {
        Assert.False(CarbonEligibility.IsEligible(Parse(xml), CarbonDirection.Received));
        Assert.False(CarbonEligibility.IsEligible(Parse(xml), CarbonDirection.Sent));
    }

    [Fact]
    public void IsEligible_MucPrivateMessage_OnlySentSideCopied()
    {
        const string xml = "<message type='chat'><body>psst</body><x xmlns='http://jabber.org/protocol/muc#user'/></message>";

        Assert.True(CarbonEligibility.IsEligible(Parse(xml), CarbonDirection.Sent));
        Assert.False(CarbonEligibility.IsEligible(Parse(xml), CarbonDirection.Received));
    }

    [Fact]
    public void IsEligible_BodyInOtherNamespace_NotABody()
    {
        Assert.False(CarbonEligibility.IsEligible(Parse("<message><body xmlns='urn:example'>x</body></message>"), CarbonDirection.Received));
    }

    internal static XmppElement Parse(string xml)
    {
        var parser = new XmppStreamParser(new XmppParserOptions()) { MaxStanzaBytes = 64 * 1024 };
        var bytes = System.Text.Encoding.UTF8.GetBytes(
            "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>" + xml);
        var buffer = new System.Buffers.ReadOnlySequence<byte>(bytes);
        Assert.True(parser.TryParse(buffer, out var end, out var header));
        Assert.Equal(XmppStreamEventKind.StreamStart, header.Kind);
        Assert.True(parser.TryParse(buffer.Slice(end), out _, out var element));
        return element.Element!;
    }
}
