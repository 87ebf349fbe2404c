namespace XmppServer.Core.Modules;

/// <summary>Answers an IQ get or set. Protocol outcomes are returned, never thrown.</summary>
public delegate ValueTask<IqResult> IqHandler(IqContext context, CancellationToken cancellationToken);
