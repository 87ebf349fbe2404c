namespace XmppServer.Core.Sasl;

/// <summary>The saslname encoding of SCRAM usernames and authorization identities (RFC 5802 §5.1).</summary>
internal static class SaslName
{
    /// <summary>Decodes "=2C" to ',' and "=3D" to '='; null for any other '=' sequence or an empty name.</summary>
    public static string? Decode(string value)
    {
        if (value.Length == 0)
        {
            return null;
        }

        if (!value.Contains('='))
        {
            return value;
        }

        var builder = new System.Text.StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c != '=')
            {
                builder.Append(c);
                continue;
            }

            // RFC 5802 §5.1: "If the server receives a username that contains '=' not followed by either '2C' or
            // '3D', then the server MUST fail the authentication." ABNF strings match either case.
            var escape = i + 2 < value.Length ? value.AsSpan(i + 1, 2) : [];
            if (escape.Equals("2C", StringComparison.OrdinalIgnoreCase))
            {
                builder.Append(',');
            }
            else if (escape.Equals("3D", StringComparison.OrdinalIgnoreCase))
            {
                builder.Append('=');
            }
            else
            {
                return null;
            }

            i += 2;
        }

        return builder.ToString();
    }
}
