using System.ComponentModel.DataAnnotations;

namespace XmppServer.Modules.Csi;

/// <summary>Client State Indication (Xmpp:Csi); XEP-0352 §3.2 asks servers to let administrators configure it.</summary>
public sealed class CsiOptions
{
    public const string SectionName = "Xmpp:Csi";

    /// <summary>Offer CSI; when off, clients are never told of it and every stanza is delivered at once.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Stanzas held for an inactive client before they are delivered anyway, in one batch.</summary>
    [Range(1, 10_000)]
    public int MaxHeldStanzas { get; set; } = 100;
}
