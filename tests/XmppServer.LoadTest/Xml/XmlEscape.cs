using System.Text;

namespace XmppServer.LoadTest.Xml;

internal static class XmlEscape
{
    private static readonly System.Buffers.SearchValues<char> Special = System.Buffers.SearchValues.Create("<>&'\"");

    /// <summary>Escapes text for element content and single- or double-quoted attribute values.</summary>
    public static string Escape(string value)
    {
        if (value.AsSpan().IndexOfAny(Special) < 0)
        {
            return value;
        }

        var sb = new StringBuilder(value.Length + 16);
        foreach (var c in value)
        {
            _ = c switch
            {
                '<' => sb.Append("&lt;"),
                '>' => sb.Append("&gt;"),
                '&' => sb.Append("&amp;"),
                '\'' => sb.Append("&apos;"),
                '"' => sb.Append("&quot;"),
                _ => sb.Append(c),
            };
        }

        return sb.ToString();
    }
}
