namespace XmppServer.Protocol;

/// <summary>Character data, already unescaped.</summary>
public sealed class XmppText(string value) : XmppNode
{
    public string Value { get; } = value;

    public override XmppNode CloneNode() => this; // immutable: sharing is safe

    public override string ToString() => Value;
}
