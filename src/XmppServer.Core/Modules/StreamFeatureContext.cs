using XmppServer.Protocol;

namespace XmppServer.Core.Modules;

/// <summary>What a stream-feature factory may know about the stream it is offered on.</summary>
/// <param name="Domain">The hosted domain the stream is for.</param>
/// <param name="IsSecure">True once TLS is in place.</param>
/// <param name="User">The authenticated account (bare JID) at <see cref="StreamFeatureStage.Authenticated"/>, else null.</param>
public sealed record StreamFeatureContext(string Domain, bool IsSecure, Jid? User);
