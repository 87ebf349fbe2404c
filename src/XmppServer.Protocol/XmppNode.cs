namespace XmppServer.Protocol;

/// <summary>A child of an element: another element or a run of character data.</summary>
public abstract class XmppNode
{
    private protected XmppNode()
    {
    }

    public abstract XmppNode CloneNode();
}
