using System.Buffers;
using System.Text;
using System.Xml;
using XmppServer.Protocol.Tests.Testing;

namespace XmppServer.Protocol.Tests;

/// <summary>
/// Seeded random mutations of stanzas, judged by the parser and by <see cref="XmlReader"/> (the reference, used in
/// tests only): both must agree on well-formedness and, where both accept, on the tree. The parser may be stricter
/// only where RFC 6120 is (restricted-xml) or more precise (bad-namespace-prefix).
/// </summary>
public class XmppStreamParserDifferentialTests
{
    private const string StreamOpen = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' xml:lang='en'>";

    private static readonly byte[] Interesting = "<>/&;'\"=![]?:x#-\r\n\t \0"u8.ToArray();

    private static readonly string[] Stanzas =
    [
        "<message to='romeo@example.net' type='chat' xml:lang='de'><body>Hi &amp; bye &#x1F600; é</body><x:y xmlns:x='urn:x' x:a='1'/><![CDATA[a<b]]></message>",
        "<iq type='get' id='1'><query xmlns='jabber:iq:roster'/></iq>",
        "<presence><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' ver='a/b='/></presence>",
        "<message>\r\n <p:html xmlns:p='urn:p' p:style=\"a&#10;b\tc\r\nd\"><body xmlns='urn:b'>x &lt; y<br/>]</body></p:html>\n</message>",
        "<iq xmlns:a='urn:a' a:id='1' id='2'><a:q xmlns='' b='&quot;&apos;&gt;'>&#65;&#x42;C</a:q></iq>",
    ];

    [Fact]
    public void Parser_MutatedStanzas_AgreeWithReferenceParser()
    {
        var random = new Random(20240501);
        for (var iteration = 0; iteration < 4000; iteration++)
        {
            var bytes = Mutate(Encoding.UTF8.GetBytes(Stanzas[iteration % Stanzas.Length]), random);

            var ours = ParseWithParser(bytes);
            var reference = ParseWithReference(bytes);

            if (ours is "RestrictedXml" or "BadNamespacePrefix")
            {
                Assert.False(reference.StartsWith("ok", StringComparison.Ordinal) && ours == "BadNamespacePrefix", Describe(bytes, ours, reference));
                continue;
            }

            Assert.True(ours == reference || (!ours.StartsWith("ok", StringComparison.Ordinal) && !reference.StartsWith("ok", StringComparison.Ordinal)), Describe(bytes, ours, reference));
        }
    }

    private static string Describe(byte[] bytes, string ours, string reference)
        => $"input {Convert.ToBase64String(bytes)}: parser {ours}, reference {reference}";

    private static string ParseWithParser(byte[] stanza)
    {
        try
        {
            var parser = new XmppStreamParser(ParserHarness.Options());
            var buffer = new ReadOnlySequence<byte>([.. Encoding.UTF8.GetBytes(StreamOpen), .. stanza, .. "</stream:stream>"u8]);
            var events = ParserHarness.ParseSequence(buffer, parser);
            return events.Count == 3 && events[2].Kind == XmppStreamEventKind.StreamEnd ? "ok" + Canonical(events[1].Element!) : "events" + events.Count;
        }
        catch (XmppStreamException ex)
        {
            return ex.Condition.ToString();
        }
    }

    private static string ParseWithReference(byte[] stanza)
    {
        var document = new MemoryStream([.. Encoding.UTF8.GetBytes(StreamOpen), .. stanza, .. "</stream:stream>"u8]);
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, CheckCharacters = true };
        var canonical = new StringBuilder();
        var text = new StringBuilder();
        var topLevel = 0;
        try
        {
            using var reader = XmlReader.Create(document, settings);
            while (reader.Read())
            {
                if (reader.Depth == 0)
                {
                    continue;
                }

                switch (reader.NodeType)
                {
                    case XmlNodeType.Element:
                        FlushText(canonical, text);
                        if (reader.Depth == 1)
                        {
                            topLevel++;
                        }

                        var attributes = new List<string>();
                        var hasLang = false;
                        if (reader.MoveToFirstAttribute())
                        {
                            do
                            {
                                if (reader.NamespaceURI != Namespaces.Xmlns)
                                {
                                    attributes.Add(reader.NamespaceURI + "|" + reader.LocalName + "=" + reader.Value);
                                    hasLang |= reader.NamespaceURI == Namespaces.Xml && reader.LocalName == "lang";
                                }
                            }
                            while (reader.MoveToNextAttribute());
                            reader.MoveToElement();
                        }

                        // RFC 6120 §4.7.4: the parser makes the stream's language explicit on stanzas.
                        if (reader.Depth == 1 && !hasLang)
                        {
                            attributes.Add(Namespaces.Xml + "|lang=en");
                        }

                        AppendElement(canonical, reader.NamespaceURI, reader.LocalName, attributes);
                        if (reader.IsEmptyElement)
                        {
                            canonical.Append(')');
                        }

                        break;
                    case XmlNodeType.EndElement:
                        FlushText(canonical, text);
                        canonical.Append(')');
                        break;
                    case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace:
                        if (reader.Depth == 1 && reader.NodeType is XmlNodeType.Text or XmlNodeType.CDATA)
                        {
                            return "text at top level";
                        }

                        if (reader.Depth > 1)
                        {
                            text.Append(reader.Value);
                        }

                        break;
                }
            }
        }
        catch (XmlException ex)
        {
            return ex.Message;
        }

        return topLevel == 1 ? "ok" + canonical : "elements" + topLevel;
    }

    private static string Canonical(XmppElement element)
    {
        var canonical = new StringBuilder();
        AppendElement(canonical, element.Namespace, element.Name, [.. element.Attributes.Select(a => a.Namespace + "|" + a.Name + "=" + a.Value)]);
        foreach (var node in element.Nodes)
        {
            canonical.Append(node is XmppElement child ? Canonical(child) : "T(" + ((XmppText)node).Value + ")");
        }

        return canonical.Append(')').ToString();
    }

    private static void AppendElement(StringBuilder canonical, string ns, string name, List<string> attributes)
    {
        attributes.Sort(StringComparer.Ordinal);
        canonical.Append("E(").Append(ns).Append('|').Append(name).Append('[').AppendJoin(",", attributes).Append(']');
    }

    private static void FlushText(StringBuilder canonical, StringBuilder text)
    {
        if (text.Length > 0)
        {
            canonical.Append("T(").Append(text).Append(')');
            text.Clear();
        }
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        var data = new List<byte>(original);
        var mutations = 1 + random.Next(3);
        for (var i = 0; i < mutations; i++)
        {
            var at = random.Next(data.Count);
            switch (random.Next(4))
            {
                case 0:
                    data[at] = Interesting[random.Next(Interesting.Length)];
                    break;
                case 1:
                    data[at] = (byte)random.Next(256);
                    break;
                case 2:
                    data.RemoveAt(at);
                    break;
                default:
                    data.Insert(at, Interesting[random.Next(Interesting.Length)]);
                    break;
            }
        }

        return [.. data];
    }
}
