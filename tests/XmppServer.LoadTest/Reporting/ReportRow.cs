namespace XmppServer.LoadTest.Reporting;

/// <summary>One figure: a section of the table, a JSON key, a label, the value (long, double, string or null).</summary>
internal sealed record ReportRow(string Section, string Key, string Label, object? Value, string Unit, int Decimals);
