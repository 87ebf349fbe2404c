namespace XmppServer.Protocol;

/// <summary>
/// One attribute of an element. <see cref="Namespace"/> is empty for unprefixed attributes (XML Namespaces §6.2:
/// they are in no namespace, not the element's); <c>xml:lang</c> is (<see cref="Namespaces.Xml"/>, "lang").
/// </summary>
public readonly record struct XmppAttribute(string Name, string Value, string Namespace = "");
