namespace XmppServer.Core.Sasl;

/// <summary>What a mechanism answers to one client message.</summary>
public abstract record SaslStep
{
    private SaslStep()
    {
    }

    /// <summary>Send &lt;challenge/&gt; with these bytes and wait for &lt;response/&gt;.</summary>
    public sealed record Challenge(byte[] Data) : SaslStep;

    /// <summary>Authenticated as <paramref name="Username"/> (a prepared localpart); send &lt;success/&gt; with the additional data.</summary>
    public sealed record Success(string Username, byte[]? AdditionalData) : SaslStep;

    /// <summary>Send &lt;failure/&gt; with this condition.</summary>
    public sealed record Failure(SaslFailureCondition Condition, string? Text = null) : SaslStep;
}
