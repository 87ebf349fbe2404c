namespace XmppServer.Core.Modules;

/// <summary>The XEP (and the version of it) a module implements; it feeds the README's compliance table.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class XepAttribute(int number, string version) : Attribute
{
    public int Number { get; } = number;

    public string Version { get; } = version;
}
