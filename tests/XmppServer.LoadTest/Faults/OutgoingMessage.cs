using System.Globalization;

namespace XmppServer.LoadTest.Faults;

/// <summary>
/// One numbered message: sender <see cref="Sender"/>'s <see cref="Seq"/>-th (from 1), for <see cref="Recipient"/>.
/// Its XEP-0359 origin-id "fS-N" names it on every copy, however it travels.
/// </summary>
internal sealed class OutgoingMessage(int sender, long seq, int recipient)
{
    public int Sender { get; } = sender;

    public long Seq { get; } = seq;

    public int Recipient { get; } = recipient;

    public string OriginId => FormatOriginId(Sender, Seq);

    public static string FormatOriginId(int sender, long seq)
        => string.Create(CultureInfo.InvariantCulture, $"f{sender}-{seq}");

    /// <summary>Reads an origin-id written by <see cref="FormatOriginId"/>.</summary>
    public static bool TryParseOriginId(string? id, out int sender, out long seq)
    {
        sender = 0;
        seq = 0;
        if (id is null || id.Length < 4 || id[0] != 'f')
        {
            return false;
        }

        var dash = id.IndexOf('-', StringComparison.Ordinal);
        return dash > 1
            && int.TryParse(id.AsSpan(1, dash - 1), NumberStyles.None, CultureInfo.InvariantCulture, out sender)
            && long.TryParse(id.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out seq)
            && seq > 0;
    }
}
