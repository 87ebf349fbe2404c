namespace XmppServer.LoadTest.Xml;

/// <summary>A prefix declared on an element (xmlns:prefix='namespace'), linked to the declarations above it.</summary>
internal sealed record NamespaceScope(string Prefix, string Namespace, NamespaceScope? Parent);
