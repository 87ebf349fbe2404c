namespace XmppServer.LoadTest.Stats;

/// <summary>One reading of a process: resident set (bytes), its peak, and CPU time used so far (user + system).</summary>
internal readonly record struct ProcessSample(bool Valid, long RssBytes, long PeakRssBytes, TimeSpan Cpu)
{
    public static ProcessSample None => default;
}
