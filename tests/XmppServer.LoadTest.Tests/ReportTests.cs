using System.Text.Json;
using XmppServer.LoadTest.Reporting;

namespace XmppServer.LoadTest.Tests;

public class ReportTests
{
    [Fact]
    public void ToJsonLine_Figures_AreOneFlatObject()
    {
        var report = new Report("chat");
        report.Section("messages");
        report.Add("sent", "sent", 10_000L);
        report.Add("latency_p50_ms", "p50", 0.12345, "ms", 3);
        report.Add("server_rss_mb", "RSS", (string?)null);
        report.Add("nan", "not a number", double.NaN, "ms", 1);

        var json = report.ToJsonLine();
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;

        Assert.DoesNotContain('\n', json);
        Assert.Equal("chat", root.GetProperty("scenario").GetString());
        Assert.Equal(10_000, root.GetProperty("sent").GetInt64());
        Assert.Equal(0.123, root.GetProperty("latency_p50_ms").GetDouble());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("server_rss_mb").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("nan").ValueKind);
    }

    [Fact]
    public void ToTable_Figures_ShowSectionsLabelsAndUnits()
    {
        var report = new Report("idle");
        report.Section("sessions");
        report.Add("established", "established", 1_234L);
        report.Add("p99", "round trip p99", 1.5, "ms", 3);

        var table = report.ToTable();

        Assert.Contains("sessions", table, StringComparison.Ordinal);
        Assert.Contains("1,234", table, StringComparison.Ordinal);
        Assert.Contains("1.500 ms", table, StringComparison.Ordinal);
    }
}
