namespace XmppServer.LoadTest.Faults;

/// <summary>Everything a fault run measured.</summary>
internal sealed record FaultRunResult
{
    public required FaultOptions Options { get; init; }

    public required DeliveryReport Delivery { get; init; }

    /// <summary>Cuts that actually happened, by kind.</summary>
    public required IReadOnlyDictionary<CutKind, long> Cuts { get; init; }

    /// <summary>Cuts the fault loop ordered (some never find their moment, or their link is gone first).</summary>
    public long CutsArmed { get; init; }

    public long TotalCuts => Cuts.Values.Sum();

    /// <summary>Connections the proxy reset at once because the server was down.</summary>
    public long ConnectionsRefused { get; init; }

    public long GracefulRestarts { get; init; }

    public long Kills { get; init; }

    public required FaultStats Stats { get; init; }

    public int ServerErrorLines { get; init; }

    public IReadOnlyList<string> ServerErrors { get; init; } = [];

    public double SendingSeconds { get; init; }

    public double ElapsedSeconds { get; init; }

    public bool Drained { get; init; }

    /// <summary>Why the run did not complete, or null.</summary>
    public string? Failure { get; init; }

    /// <summary>The kept temporary directory (--keep), or null.</summary>
    public string? WorkDirectory { get; init; }

    /// <summary>Everything that makes the run fail: the delivery problems, an incomplete run, an acknowledgement anomaly.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Failure is not null)
        {
            problems.Add(Failure);
        }

        problems.AddRange(Delivery.Problems());
        if (Stats.AckAnomalies > 0)
        {
            problems.Add($"{Stats.AckAnomalies} acknowledgements of more than was sent");
        }

        if (Stats.StaleAcks > 0)
        {
            problems.Add($"{Stats.StaleAcks} acknowledgements with a count that went backwards");
        }

        return problems;
    }
}
