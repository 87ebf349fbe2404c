namespace XmppServer.Core.Routing;

/// <summary>A stanza hook. Returns true when it handled the stanza, which stops the remaining hooks and the default.</summary>
public delegate ValueTask<bool> StanzaHandler(StanzaContext context, CancellationToken cancellationToken);
