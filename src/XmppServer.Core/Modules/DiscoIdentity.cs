namespace XmppServer.Core.Modules;

/// <summary>A disco#info identity (XEP-0030 §3.1) and where it is advertised.</summary>
public sealed record DiscoIdentity(string Category, string Type, string? Name, DiscoScope Scope);
