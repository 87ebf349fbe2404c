namespace XmppServer.Protocol.Tests.Testing;

/// <summary>
/// What real clients send, one stream each (a stream restart after STARTTLS or SASL starts a new transcript).
/// Modelled on the bytes of Pidgin (libpurple), Gajim (nbxmpp), Conversations and a dialback server.
/// </summary>
internal static class ClientTraffic
{
    // libpurple: single quotes, a space before "?>", no xml:lang, and the Google auth extension attribute on <auth/>.
    public const string PidginSasl =
        "<?xml version='1.0' ?>" +
        "<stream:stream to='example.com' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>" +
        "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN' xmlns:ga='http://www.google.com/talk/protocol/auth' " +
        "ga:client-uses-full-bind-result='true'>AGp1bGlldAByMG0zMG15cjBtMzA=</auth>";

    // nbxmpp: double quotes, xml:lang on the header, newlines between stanzas, whitespace keepalives.
    public const string GajimSession =
        "<?xml version=\"1.0\"?>" +
        "<stream:stream xmlns=\"jabber:client\" to=\"example.com\" version=\"1.0\" xml:lang=\"en\" " +
        "xmlns:stream=\"http://etherx.jabber.org/streams\">" +
        "<iq xmlns=\"jabber:client\" type=\"set\" id=\"b9c5f3a8-1c1e-4d3a-9d3f-7a2b0c6e1f00\">" +
        "<bind xmlns=\"urn:ietf:params:xml:ns:xmpp-bind\"><resource>gajim.X5KQ2Z7B</resource></bind></iq>\n" +
        "<iq xmlns=\"jabber:client\" type=\"get\" id=\"4f0d2d8e\"><query xmlns=\"jabber:iq:roster\" ver=\"\" /></iq>\n" +
        "<presence xmlns=\"jabber:client\"><priority>127</priority>" +
        "<c xmlns=\"http://jabber.org/protocol/caps\" hash=\"sha-1\" node=\"https://gajim.org\" ver=\"QgayPKawpkPSDYmwT/WM94uAlu0=\" />" +
        "<x xmlns=\"vcard-temp:x:update\"><photo>8fd5c4b6b1f0ebd7c0f1e6e0b1a1d4f4c9a7e2a1</photo></x></presence>\n" +
        " \t \n" +
        "<message xmlns=\"jabber:client\" to=\"romeo@example.net\" type=\"chat\" id=\"5a1b8c3e\">" +
        "<body>Wherefore art thou, *Romeo*? Denk &amp; fühl — 日本語 😀 &lt;3</body>" +
        "<xh:html xmlns:xh=\"http://jabber.org/protocol/xhtml-im\"><b:body xmlns:b=\"http://www.w3.org/1999/xhtml\">" +
        "<b:p style=\"font-weight: bold\">Wherefore art thou, <b:strong>Romeo</b:strong>?</b:p>\n" +
        "<b:p>Denk &amp; fühl</b:p></b:body></xh:html>" +
        "<active xmlns=\"http://jabber.org/protocol/chatstates\" /><request xmlns=\"urn:xmpp:receipts\" />" +
        "<origin-id xmlns=\"urn:xmpp:sid:0\" id=\"5a1b8c3e\" /></message>\n" +
        " " +
        "<message xmlns=\"jabber:client\" to=\"romeo@example.net\" type=\"chat\" id=\"5a1b8c3f\">" +
        "<composing xmlns=\"http://jabber.org/protocol/chatstates\" /></message>" +
        "</stream:stream>";

    // Conversations: SCRAM over a stream with from=, then (new stream) stream management, bind and markers.
    public const string ConversationsSasl =
        "<?xml version='1.0'?>" +
        "<stream:stream to='example.com' from='juliet@example.com' version='1.0' xml:lang='de' " +
        "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>" +
        "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>" +
        "biwsbj1qdWxpZXQscj1vTXNUQUF3QUFBQU1BQUFBTlAwVEFBQUFBQUJQVTBBQQ==</auth>" +
        "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" +
        "Yz1iaXdzLHI9b01zVEFBd0FBQUFNQUFBQU5QMFRBQUFBQUFCUFUwQUFlMTI0Njk1Yi02OWE5LTRkZTYtOWMzMC1iNTFiMzgwOGM1OWUscD1VQTU3dE0vU3ZwQVRCa0gyRlhzMFdEWHZKWXc9</response>";

    public const string ConversationsSession =
        "<stream:stream to='example.com' from='juliet@example.com' version='1.0' xml:lang='de' " +
        "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>" +
        "<iq type='set' id='UaQ3pq4ykjFM'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>Conversations.Tx9a</resource></bind></iq>" +
        "<enable xmlns='urn:xmpp:sm:3' resume='true'/>" +
        "<iq type='get' id='qtm7BDWNeQ3O'><query xmlns='jabber:iq:roster' ver='ver14'/></iq>" +
        "<presence><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='http://conversations.im' " +
        "ver='6pdBHS1rOhD9uHMlfBSsoc5k4hs='/><idle xmlns='urn:xmpp:idle:1' since='2024-05-01T10:00:00Z'/></presence>" +
        "<r xmlns='urn:xmpp:sm:3'/>" +
        "<message id='pYoQ2DiaFmUl' to='romeo@example.net' type='chat' xml:lang='en'>" +
        "<body>Line one\r\nline two &#x1F339; &#233;t&#xE9; &quot;quoted&quot; &apos;single&apos;</body>" +
        "<markable xmlns='urn:xmpp:chat-markers:0'/><origin-id xmlns='urn:xmpp:sid:0' id='pYoQ2DiaFmUl'/>" +
        "<request xmlns='urn:xmpp:receipts'/><store xmlns='urn:xmpp:hints'/></message>" +
        "<message to='romeo@example.net' id='x1'><received xmlns='urn:xmpp:chat-markers:0' id='m-42'/></message>" +
        "<iq type='get' id='ping1' to='example.com'><ping xmlns='urn:xmpp:ping'/></iq>" +
        "<a xmlns='urn:xmpp:sm:3' h='5'/>" +
        "<message to='romeo@example.net' type='chat' id='cdata1'><body><![CDATA[if (a < b && c > d) { }]]> done</body></message>" +
        "<presence type='unavailable'/>" +
        "</stream:stream>";

    // A dialback server stream: the header declares the db: prefix that later stanzas use.
    public const string DialbackServer =
        "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:server' " +
        "xmlns:db='jabber:server:dialback' to='example.com' from='example.net' version='1.0'>" +
        "<db:result from='example.net' to='example.com'>b4835385f37fe2895af6c196b59097b16862406db80559900d96bf6fa7d23df3</db:result>" +
        "<message from='romeo@example.net/orchard' to='juliet@example.com' type='chat' id='s2s1'><body>Hi</body></message>" +
        "</stream:stream>";

    public static TheoryData<string> Names => new() { nameof(PidginSasl), nameof(GajimSession), nameof(ConversationsSasl), nameof(ConversationsSession), nameof(DialbackServer) };

    public static string Get(string name) => name switch
    {
        nameof(PidginSasl) => PidginSasl,
        nameof(GajimSession) => GajimSession,
        nameof(ConversationsSasl) => ConversationsSasl,
        nameof(ConversationsSession) => ConversationsSession,
        nameof(DialbackServer) => DialbackServer,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };
}
