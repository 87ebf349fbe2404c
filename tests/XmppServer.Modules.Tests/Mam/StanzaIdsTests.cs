using XmppServer.Modules.Mam;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Mam;

public class StanzaIdsTests
{
    private static readonly Jid Alice = Jid.Parse("alice@example.com");
    private static readonly Jid Bob = Jid.Parse("bob@example.com");

    [Fact]
    public void RemoveForged_OnesByTheArchiveAmongOthers_RemovesOnlyThose()
    {
        var message = Message();
        message.Add(StanzaIds.Create("forged", Alice));
        message.Add(StanzaIds.Create("bobs", Bob));
        message.Add(StanzaIds.Create("forged-too", Alice));

        var removed = StanzaIds.RemoveForged(message, Alice);

        Assert.Equal(2, removed);
        var left = Assert.Single(message.Elements("stanza-id", MamNamespaces.StanzaId));
        Assert.Equal("bobs", left.GetAttribute("id"));
        Assert.NotNull(message.Element("body", Namespaces.Client));
    }

    [Fact]
    public void RemoveForged_MessageWithoutAny_RemovesNothingAndAllocatesNothing()
    {
        // What nearly every message looks like: no stanza-id at all.
        var message = Message();
        StanzaIds.RemoveForged(message, Alice); // a first call compiles it

        var before = GC.GetAllocatedBytesForCurrentThread();
        var removed = StanzaIds.RemoveForged(message, Alice);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, removed);
        Assert.Equal(0, allocated);
        Assert.Single(message.Nodes);
    }

    private static XmppElement Message()
    {
        var message = new XmppElement("message", Namespaces.Client).SetAttribute("type", "chat");
        message.AddElement("body", Namespaces.Client).Add(new XmppText("hi"));
        return message;
    }
}
