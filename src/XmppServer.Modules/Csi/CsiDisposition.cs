namespace XmppServer.Modules.Csi;

/// <summary>What the buffer of an inactive client does with one outbound element.</summary>
internal enum CsiDisposition
{
    /// <summary>Not a stanza (XEP-0198 &lt;a/&gt;, &lt;r/&gt;, &lt;enabled/&gt;): written now, past what is held.</summary>
    PassThrough,

    /// <summary>Important: what is held is delivered first, then this.</summary>
    Deliver,

    /// <summary>Presence update: held, and replaces the one held from the same sender.</summary>
    HoldPresence,

    /// <summary>Unimportant message: held until something is delivered or the client becomes active.</summary>
    Hold,
}
