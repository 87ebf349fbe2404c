namespace XmppServer.Modules.Carbons;

/// <summary>Which side of a conversation a carbon copy shows (XEP-0280 §7 and §8).</summary>
internal enum CarbonDirection
{
    /// <summary>A message one of the account's resources received: copied inside &lt;received/&gt;.</summary>
    Received,

    /// <summary>A message one of the account's resources sent: copied inside &lt;sent/&gt;.</summary>
    Sent,
}
