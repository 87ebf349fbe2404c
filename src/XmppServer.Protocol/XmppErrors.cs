using System.Collections.Frozen;
using System.Text;

namespace XmppServer.Protocol;

/// <summary>Builds stream and stanza errors and maps conditions to their element names.</summary>
public static class XmppErrors
{
    private static readonly string[] StreamNames = Enum.GetValues<StreamErrorCondition>().Select(c => Kebab(c.ToString())).ToArray();
    private static readonly string[] StanzaNames = Enum.GetValues<StanzaErrorCondition>().Select(c => Kebab(c.ToString())).ToArray();
    private static readonly FrozenDictionary<string, StanzaErrorCondition> StanzaByName =
        Enum.GetValues<StanzaErrorCondition>().ToFrozenDictionary(c => StanzaNames[(int)c]);

    public static string ToElementName(StreamErrorCondition condition) => StreamNames[(int)condition];

    public static string ToElementName(StanzaErrorCondition condition) => StanzaNames[(int)condition];

    public static bool TryParseStanzaCondition(string name, out StanzaErrorCondition condition)
        => StanzaByName.TryGetValue(name, out condition);

    public static string ToAttributeValue(StanzaErrorType type) => type switch
    {
        StanzaErrorType.Auth => "auth",
        StanzaErrorType.Cancel => "cancel",
        StanzaErrorType.Continue => "continue",
        StanzaErrorType.Modify => "modify",
        _ => "wait",
    };

    /// <summary>The error type RFC 6120 §8.3.3 gives for each condition.</summary>
    public static StanzaErrorType DefaultType(StanzaErrorCondition condition) => condition switch
    {
        StanzaErrorCondition.BadRequest => StanzaErrorType.Modify,
        StanzaErrorCondition.Conflict => StanzaErrorType.Cancel,
        StanzaErrorCondition.FeatureNotImplemented => StanzaErrorType.Cancel,
        StanzaErrorCondition.Forbidden => StanzaErrorType.Auth,
        StanzaErrorCondition.Gone => StanzaErrorType.Cancel,
        StanzaErrorCondition.InternalServerError => StanzaErrorType.Cancel,
        StanzaErrorCondition.ItemNotFound => StanzaErrorType.Cancel,
        StanzaErrorCondition.JidMalformed => StanzaErrorType.Modify,
        StanzaErrorCondition.NotAcceptable => StanzaErrorType.Modify,
        StanzaErrorCondition.NotAllowed => StanzaErrorType.Cancel,
        StanzaErrorCondition.NotAuthorized => StanzaErrorType.Auth,
        StanzaErrorCondition.PolicyViolation => StanzaErrorType.Modify,
        StanzaErrorCondition.RecipientUnavailable => StanzaErrorType.Wait,
        StanzaErrorCondition.Redirect => StanzaErrorType.Modify,
        StanzaErrorCondition.RegistrationRequired => StanzaErrorType.Auth,
        StanzaErrorCondition.RemoteServerNotFound => StanzaErrorType.Cancel,
        StanzaErrorCondition.RemoteServerTimeout => StanzaErrorType.Wait,
        StanzaErrorCondition.ResourceConstraint => StanzaErrorType.Wait,
        StanzaErrorCondition.ServiceUnavailable => StanzaErrorType.Cancel,
        StanzaErrorCondition.SubscriptionRequired => StanzaErrorType.Auth,
        StanzaErrorCondition.UndefinedCondition => StanzaErrorType.Cancel,
        _ => StanzaErrorType.Wait, // unexpected-request
    };

    /// <summary><c>&lt;stream:error&gt;&lt;condition/&gt;&lt;text/&gt;?&lt;/stream:error&gt;</c> (RFC 6120 §4.9.2).</summary>
    public static XmppElement StreamError(StreamErrorCondition condition, string? text = null)
    {
        var error = new XmppElement("error", Namespaces.Streams);
        error.AddElement(ToElementName(condition), Namespaces.StreamErrors);
        if (text is not null)
        {
            error.AddElement("text", Namespaces.StreamErrors).SetAttribute("lang", Namespaces.Xml, "en").AddText(text);
        }

        return error;
    }

    /// <summary>The <c>&lt;error/&gt;</c> child of an error stanza (RFC 6120 §8.3.2).</summary>
    public static XmppElement StanzaErrorElement(StanzaErrorCondition condition, StanzaErrorType? type = null, string? text = null, string? by = null)
    {
        var error = new XmppElement("error", Namespaces.Client);
        error.SetAttribute("type", ToAttributeValue(type ?? DefaultType(condition)));
        if (by is not null)
        {
            error.SetAttribute("by", by);
        }

        error.AddElement(ToElementName(condition), Namespaces.Stanzas);
        if (text is not null)
        {
            error.AddElement("text", Namespaces.Stanzas).SetAttribute("lang", Namespaces.Xml, "en").AddText(text);
        }

        return error;
    }

    /// <summary>
    /// An error reply to <paramref name="stanza"/>: same name and id, addresses swapped, type='error' (RFC 6120 §8.3.1).
    /// The original payload is left out, which §8.3.1 allows, so that an error never amplifies what it answers.
    /// </summary>
    public static XmppElement ErrorReply(XmppElement stanza, StanzaErrorCondition condition, StanzaErrorType? type = null, string? text = null)
    {
        ArgumentNullException.ThrowIfNull(stanza);
        var reply = new XmppElement(stanza.Name, stanza.Namespace);
        if (stanza.Id is { } id)
        {
            reply.Id = id;
        }

        reply.Type = "error";
        if (stanza.From is { } from)
        {
            reply.To = from;
        }

        if (stanza.To is { } to)
        {
            reply.From = to;
        }

        reply.Add(StanzaErrorElement(condition, type, text));
        return reply;
    }

    /// <summary>Reads the condition out of an error stanza; undefined-condition when it names none we know.</summary>
    public static StanzaErrorCondition ReadCondition(XmppElement errorStanza)
    {
        ArgumentNullException.ThrowIfNull(errorStanza);
        var error = errorStanza.Element("error", errorStanza.Namespace);
        if (error is not null)
        {
            foreach (var child in error.Elements())
            {
                if (child.Namespace == Namespaces.Stanzas && TryParseStanzaCondition(child.Name, out var condition))
                {
                    return condition;
                }
            }
        }

        return StanzaErrorCondition.UndefinedCondition;
    }

    private static string Kebab(string pascal)
    {
        var builder = new StringBuilder(pascal.Length + 4);
        for (var i = 0; i < pascal.Length; i++)
        {
            var c = pascal[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                {
                    builder.Append('-');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
