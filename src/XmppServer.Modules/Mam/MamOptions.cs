using System.ComponentModel.DataAnnotations;

namespace XmppServer.Modules.Mam;

/// <summary>Message archives (Xmpp:Mam).</summary>
public sealed class MamOptions
{
    public const string SectionName = "Xmpp:Mam";

    /// <summary>Page size when a query names none (XEP-0313 §4.3.1: the server may limit pages).</summary>
    [Range(1, 10_000)]
    public int DefaultPageSize { get; set; } = 50;

    /// <summary>Largest page a query gets, whatever it asks for.</summary>
    [Range(1, 10_000)]
    public int MaxPageSize { get; set; } = 250;

    /// <summary>Days a message is kept; 0 keeps messages forever. Older messages are removed, oldest first.</summary>
    [Range(0, 36_500)]
    public int RetentionDays { get; set; }

    /// <summary>Archiving preference of users who never set one (XEP-0441 'default').</summary>
    public ArchiveDefault DefaultPreference { get; set; } = ArchiveDefault.Always;
}
