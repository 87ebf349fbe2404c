namespace XmppServer.Core.Modules;

/// <summary>
/// A feature of the server. Everything a module contributes (disco features, stream features, IQ handlers, stanza
/// hooks, event handlers) is declared in <see cref="Configure"/>; the host owns the registrations. Dependencies,
/// including the module's own store interface, come through the constructor.
/// </summary>
public interface IXmppModule
{
    void Configure(IModuleBuilder module);
}
