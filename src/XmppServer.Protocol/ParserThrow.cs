using System.Diagnostics.CodeAnalysis;

namespace XmppServer.Protocol;

/// <summary>
/// Throw helpers for the parser, so the scanning loops stay small. The texts travel to the peer in the stream error,
/// so they describe the input, never the server.
/// </summary>
internal static class ParserThrow
{
    [DoesNotReturn]
    public static void NotWellFormed(string text)
        => throw new XmppStreamException(StreamErrorCondition.NotWellFormed, text);

    [DoesNotReturn]
    public static void RestrictedXml(string text)
        => throw new XmppStreamException(StreamErrorCondition.RestrictedXml, text);

    [DoesNotReturn]
    public static void PolicyViolation(string text)
        => throw new XmppStreamException(StreamErrorCondition.PolicyViolation, text);

    [DoesNotReturn]
    public static void BadNamespacePrefix(string text)
        => throw new XmppStreamException(StreamErrorCondition.BadNamespacePrefix, text);

    [DoesNotReturn]
    public static void UnsupportedEncoding(string text)
        => throw new XmppStreamException(StreamErrorCondition.UnsupportedEncoding, text);
}
