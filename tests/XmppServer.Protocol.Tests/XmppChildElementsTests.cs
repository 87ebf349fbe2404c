namespace XmppServer.Protocol.Tests;

public class XmppChildElementsTests
{
    private const string Ns = "urn:test";

    [Fact]
    public void Elements_MixedChildren_YieldsOnlyElementsInDocumentOrder()
    {
        var parent = Parent();

        Assert.Equal(["a", "b", "a"], parent.Elements().Select(e => e.Name));
    }

    [Fact]
    public void Elements_ByNameAndNamespace_YieldsOnlyThoseThatMatchBoth()
    {
        var parent = Parent();
        parent.AddElement("a", "urn:other");

        var matches = parent.Elements("a", Ns).ToList();

        Assert.Equal(2, matches.Count);
        Assert.All(matches, e => Assert.True(e.Is("a", Ns)));
    }

    [Fact]
    public void Elements_OfAnElementWithoutChildren_IsEmpty()
    {
        var empty = new XmppElement("x", Ns);

        Assert.Empty(empty.Elements());
        Assert.Empty(empty.Elements("a", Ns));
    }

    [Fact]
    public void Elements_Foreach_AllocatesNothing()
    {
        var parent = Parent();
        Count(parent); // a first call compiles the loop

        var before = GC.GetAllocatedBytesForCurrentThread();
        var count = Count(parent);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(5, count);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Elements_ChildAddedWhileEnumerating_Throws()
    {
        var parent = Parent();

        Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (var child in parent.Elements())
            {
                parent.AddElement("c", Ns);
            }
        });
    }

    private static int Count(XmppElement parent)
    {
        var count = 0;
        foreach (var child in parent.Elements())
        {
            count++;
        }

        foreach (var child in parent.Elements("a", Ns))
        {
            count++;
        }

        return count;
    }

    private static XmppElement Parent()
    {
        var parent = new XmppElement("parent", Ns);
        parent.AddElement("a", Ns);
        parent.Add(new XmppText("between"));
        parent.AddElement("b", Ns);
        parent.AddElement("a", Ns);
        return parent;
    }
}
