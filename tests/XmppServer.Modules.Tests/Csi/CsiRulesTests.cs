using XmppServer.Modules.Csi;
using XmppServer.Modules.Tests.Testing;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Csi;

public sealed class CsiRulesTests
{
    [Theory]
    [InlineData("<presence from='bob@example.com/desk'/>")]
    [InlineData("<presence from='bob@example.com/desk'><show>away</show><status>lunch</status></presence>")]
    [InlineData("<presence from='bob@example.com/desk' type='unavailable'/>")]
    [InlineData("<presence from='room@muc.example.com/bob'><x xmlns='http://jabber.org/protocol/muc#user'><item role='participant'/></x></presence>")]
    public void Classify_PresenceUpdate_HeldAsPresence(string xml)
        => Assert.Equal(CsiDisposition.HoldPresence, CsiRules.Classify(Xml.Parse(xml)));

    [Theory]
    [InlineData("<presence from='bob@example.com' type='subscribe'/>")]
    [InlineData("<presence from='bob@example.com' type='subscribed'/>")]
    [InlineData("<presence from='bob@example.com' type='unsubscribed'/>")]
    [InlineData("<presence from='bob@example.com' type='error'><error type='cancel'><remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>")]
    [InlineData("<presence from='room@muc.example.com/alice'><x xmlns='http://jabber.org/protocol/muc#user'><item role='participant'/><status code='110'/></x></presence>")]
    public void Classify_SubscriptionErrorOrMucSelfPresence_Delivered(string xml)
        => Assert.Equal(CsiDisposition.Deliver, CsiRules.Classify(Xml.Parse(xml)));

    [Theory]
    [InlineData("<message type='chat'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>")]
    [InlineData("<message type='chat'><paused xmlns='http://jabber.org/protocol/chatstates'/><thread>t1</thread></message>")]
    [InlineData("<message type='groupchat'><active xmlns='http://jabber.org/protocol/chatstates'/></message>")]
    [InlineData("<message><received xmlns='urn:xmpp:receipts' id='m1'/></message>")]
    [InlineData("<message type='chat'><displayed xmlns='urn:xmpp:chat-markers:0' id='m1'/><store xmlns='urn:xmpp:hints'/></message>")]
    [InlineData("<message type='chat'><gone xmlns='http://jabber.org/protocol/chatstates'/><origin-id xmlns='urn:xmpp:sid:0' id='x'/><delay xmlns='urn:xmpp:delay' stamp='2024-01-01T00:00:00Z'/></message>")]
    [InlineData("<message type='headline'><body>news</body></message>")]
    [InlineData("<message type='headline'><event xmlns='http://jabber.org/protocol/pubsub#event'/></message>")]
    [InlineData("<message/>")]
    [InlineData("<message type='chat'><received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' type='chat'><composing xmlns='http://jabber.org/protocol/chatstates'/></message></forwarded></received></message>")]
    public void Classify_MessageWithoutContent_Held(string xml)
        => Assert.Equal(CsiDisposition.Hold, CsiRules.Classify(Xml.Parse(xml)));

    [Theory]
    [InlineData("<message type='chat'><body>hi</body></message>")]
    [InlineData("<message type='chat'><body>hi</body><active xmlns='http://jabber.org/protocol/chatstates'/></message>")]
    [InlineData("<message type='groupchat'><subject>topic</subject></message>")]
    [InlineData("<message type='error'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>")]
    [InlineData("<message type='chat'><encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='1'/></encrypted><store xmlns='urn:xmpp:hints'/></message>")]
    [InlineData("<message type='chat'><encrypted xmlns='urn:xmpp:omemo:2'><header sid='1'/></encrypted></message>")]
    [InlineData("<message type='chat'><openpgp xmlns='urn:xmpp:openpgp:0'>AAAA</openpgp></message>")]
    [InlineData("<message><x xmlns='jabber:x:conference' jid='room@muc.example.com'/></message>")]
    [InlineData("<message><x xmlns='http://jabber.org/protocol/muc#user'><invite from='bob@example.com'/></x></message>")]
    [InlineData("<message><propose xmlns='urn:xmpp:jingle-message:0' id='call'/></message>")]
    [InlineData("<message type='chat'><request xmlns='urn:xmpp:receipts'/><composing xmlns='http://jabber.org/protocol/chatstates'/></message>")]
    [InlineData("<message><result xmlns='urn:xmpp:mam:2' queryid='q' id='1'/></message>")]
    [InlineData("<message><unknown xmlns='urn:example:future'/></message>")]
    [InlineData("<message type='chat'><sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' type='chat'><body>copy</body></message></forwarded></sent></message>")]
    [InlineData("<message type='chat'><received xmlns='urn:xmpp:carbons:2'/></message>")]
    public void Classify_MessageWithContentOrUnknownPayload_Delivered(string xml)
        => Assert.Equal(CsiDisposition.Deliver, CsiRules.Classify(Xml.Parse(xml)));

    [Theory]
    [InlineData("<iq type='set' id='push'><query xmlns='jabber:iq:roster'/></iq>")]
    [InlineData("<iq type='result' id='r1'/>")]
    [InlineData("<iq type='get' id='ping'><ping xmlns='urn:xmpp:ping'/></iq>")]
    public void Classify_Iq_Delivered(string xml)
        => Assert.Equal(CsiDisposition.Deliver, CsiRules.Classify(Xml.Parse(xml)));

    [Fact]
    public void Classify_UnknownStanzaName_Delivered()
        => Assert.Equal(CsiDisposition.Deliver, CsiRules.Classify(new XmppElement("future", Namespaces.Client)));

    [Theory]
    [InlineData("a")]
    [InlineData("r")]
    [InlineData("enabled")]
    public void Classify_StreamManagementElement_PassesThrough(string name)
        => Assert.Equal(CsiDisposition.PassThrough, CsiRules.Classify(new XmppElement(name, Namespaces.StreamManagement)));
}
