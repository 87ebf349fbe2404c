using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using XmppServer.Core.Events;
using XmppServer.Protocol;

namespace XmppServer.Core.Connections;

/// <summary>XEP-0198 Stream Management: acknowledgements, and resumption of a session on a new connection.</summary>
internal sealed partial class C2sConnection
{
    private const string Sm = Namespaces.StreamManagement;

    /// <summary>How long a resumption waits for the old connection to finish the stanza it is handling.</summary>
    private static readonly TimeSpan ResumeHandoverTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Set when a resumption on another connection took this connection's session away.</summary>
    private volatile bool _resumedAway;

    /// <summary>Completed once the read loop handles nothing more.</summary>
    private readonly TaskCompletionSource _readLoopDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static bool IsCountedStanza(XmppElement element)
        => element.Namespace == StanzaNamespace && element.Name is "message" or "presence" or "iq";

    private static XmppElement StreamManagementFailed(StanzaErrorCondition condition)
    {
        var failed = new XmppElement("failed", Sm);
        failed.AddElement(XmppErrors.ToElementName(condition), Namespaces.Stanzas);
        return failed;
    }

    /// <summary>&lt;enable/&gt;, &lt;r/&gt; and &lt;a/&gt; on a bound session.</summary>
    private void OnStreamManagementElement(ClientSession session, XmppElement element)
    {
        switch (element.Name)
        {
            case "enable":
                if (session.StreamManagement is not null)
                {
                    // XEP-0198 §3: enabling twice is an error.
                    session.Send(StreamManagementFailed(StanzaErrorCondition.UnexpectedRequest));
                    return;
                }

                // Resumption is offered only when the server keeps sessions for it at all.
                var resume = element.GetAttribute("resume") is "true" or "1" && _services.StreamManagement.ResumeTimeout > TimeSpan.Zero;
                var state = new StreamManagementState(Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)), resume);
                session.StreamManagement = state;
                var enabled = new XmppElement("enabled", Sm);
                if (resume)
                {
                    _services.Resumable.Add(state.Id, session);

                    // XEP-0198 §3: 'max' is the longest time the server keeps the session for resumption, in seconds;
                    // 'location' is left out, since any of our addresses can resume.
                    enabled.SetAttribute("id", state.Id).SetAttribute("resume", "true")
                        .SetAttribute("max", ((long)_services.StreamManagement.ResumeTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture));
                }

                session.Send(enabled);
                return;

            case "r":
                // XEP-0198 §4: answer a request with the count of stanzas handled so far.
                if (session.StreamManagement is { } requested)
                {
                    session.Send(new XmppElement("a", Sm).SetAttribute("h", requested.InboundHandled.ToString(CultureInfo.InvariantCulture)));
                }

                return;

            case "a":
                if (session.StreamManagement is { } acknowledged)
                {
                    if (!uint.TryParse(element.GetAttribute("h"), NumberStyles.None, CultureInfo.InvariantCulture, out var handled))
                    {
                        throw new XmppStreamException(StreamErrorCondition.InvalidXml, "The h attribute must be a 32-bit unsigned count");
                    }

                    if (!acknowledged.Acknowledge(handled))
                    {
                        // XEP-0198 §4: acknowledging more than was sent is a stream error.
                        throw new XmppStreamException(StreamErrorCondition.UndefinedCondition, "The client acknowledged more stanzas than were sent");
                    }
                }

                return;

            default:
                throw new XmppStreamException(StreamErrorCondition.UnsupportedStanzaType);
        }
    }

    /// <summary>XEP-0198 §5: &lt;resume/&gt; after authentication, instead of binding a resource.</summary>
    private async ValueTask ResumeAsync(XmppElement resume, CancellationToken cancellationToken)
    {
        var previd = resume.GetAttribute("previd");
        if (previd is null || !uint.TryParse(resume.GetAttribute("h"), NumberStyles.None, CultureInfo.InvariantCulture, out var handled))
        {
            await WriteAsync(StreamManagementFailed(StanzaErrorCondition.BadRequest), cancellationToken);
            return;
        }

        var session = _services.Resumable.Find(previd, _user!);
        if (session?.StreamManagement is not { } state || !session.TryResume(this, CloseAsync, out var previous))
        {
            // XEP-0198 §5: the session is unknown or has ended: the client binds a fresh one.
            await WriteAsync(StreamManagementFailed(StanzaErrorCondition.ItemNotFound), cancellationToken);
            return;
        }

        // From here this connection owns the session: whatever goes wrong below, its teardown releases it.
        _session = session;

        // The old connection may not have noticed it is dead yet: it gives the session up before this one writes.
        if (previous is C2sConnection old)
        {
            await old.AbandonForResumeAsync();
        }

        if (!state.Acknowledge(handled))
        {
            throw new XmppStreamException(StreamErrorCondition.UndefinedCondition, "The client acknowledged more stanzas than were sent");
        }

        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            // XEP-0198 §5: <resumed/> with what we handled, then every stanza the client has not acknowledged, in order.
            var resumed = new XmppElement("resumed", Sm)
                .SetAttribute("h", state.InboundHandled.ToString(CultureInfo.InvariantCulture))
                .SetAttribute("previd", state.Id);
            XmppWriter.WriteElement(_output, resumed, StanzaNamespace);
            foreach (var stanza in state.Unacked())
            {
                XmppWriter.WriteElement(_output, stanza, StanzaNamespace);
            }

            state.RequestPending = false;
            await _output.FlushAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }

        Log.SessionResumed(_services.Logger, Id, session.Jid.ToString(), state.UnackedCount);

        // Before the write loop starts and before the next element is read: whatever the modules queue in answer
        // comes after the retransmitted stanzas, and before the answer to anything the client sends next.
        await _services.Registry.PublishAsync(new SessionResumed(session), cancellationToken);
        _writeLoop = WriteLoopAsync(session, countingFromStart: true);
    }

    /// <summary>
    /// Another connection resumed this one's session: stop writing for it, and let it go without ending it. The stanza
    /// the read loop may be handling still completes and is counted before this returns, so that the h of
    /// &lt;resumed/&gt; covers it (XEP-0198 §5) and the client does not send it again.
    /// </summary>
    private async Task AbandonForResumeAsync()
    {
        _resumedAway = true;
        Abort();
        if (_writeLoop is { } writeLoop)
        {
            await writeLoop.WaitAsync(CloseTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await _readLoopDone.Task.WaitAsync(ResumeHandoverTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>
    /// At teardown: a session with resumption enabled whose connection was lost (not closed by either side) waits to
    /// be resumed (XEP-0198 §5); any other ends now.
    /// </summary>
    private async Task ReleaseSessionAsync(ClientSession session)
    {
        if (_resumedAway || !session.IsOwnedBy(this))
        {
            return;
        }

        // Lost: the peer vanished, or went silent until the ping timed out (a phone off the network sends no FIN).
        var lost = Volatile.Read(ref _closeStarted) == 0 || _closeCondition == StreamErrorCondition.ConnectionTimeout;
        if (lost && session.StreamManagement is { Resumable: true } && _services.StreamManagement.ResumeTimeout > TimeSpan.Zero
            && session.TryHibernate(this, (_, _) => _services.Terminator.EndIfHibernatingAsync(session)))
        {
            Log.SessionHibernating(_services.Logger, Id, session.Jid.ToString());
            return;
        }

        if (session.TryEnd(this))
        {
            await _services.Terminator.EndAsync(session);
        }
    }
}
