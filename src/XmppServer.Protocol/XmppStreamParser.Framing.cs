using System.Buffers;

namespace XmppServer.Protocol;

// Placeholder until the framer lands: the signatures are the contract described on XmppStreamParser.
public sealed partial class XmppStreamParser
{
    public XmppStreamParser(XmppParserOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        MaxStanzaBytes = options.MaxStanzaBytesBeforeAuthentication;
    }

    /// <summary>
    /// Parses the next event from <paramref name="buffer"/>. Returns false when more bytes are needed; on true,
    /// <paramref name="consumed"/> is the position just past the event.
    /// </summary>
    public bool TryParse(in ReadOnlySequence<byte> buffer, out SequencePosition consumed, out XmppStreamEvent streamEvent)
        => throw new NotImplementedException();

    /// <summary>Forgets all state: the next bytes start a new stream (after STARTTLS or SASL success, RFC 6120 §5.4.3.3, §6.4.6).</summary>
    public void Reset() => throw new NotImplementedException();
}
