using XmppServer.Protocol;

namespace XmppServer.Core.Modules;

/// <summary>Handles a non-stanza top-level element on an authenticated client stream.</summary>
public delegate ValueTask StreamElementHandler(IXmppSession session, XmppElement element, CancellationToken cancellationToken);
