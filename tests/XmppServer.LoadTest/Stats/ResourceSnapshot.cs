namespace XmppServer.LoadTest.Stats;

/// <summary>Server and tool usage at one instant; differences of two give a window's cost.</summary>
internal readonly record struct ResourceSnapshot(long Timestamp, ProcessSample Server, TimeSpan ToolCpu, long ToolRssBytes);
