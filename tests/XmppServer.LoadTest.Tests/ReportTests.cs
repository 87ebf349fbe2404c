using System.Text.Json;
using XmppServer.LoadTest.Reporting;
using XmppServer.LoadTest.Stats;

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

    [Fact]
    public void AddLatency_NoSamples_FiguresAreNullNotZero()
    {
        // Regression: a run against a server that died reported a ping p99 of 0 ms from an empty histogram.
        var report = new Report("idle");

        report.AddLatency("ping", "round trip", new LatencyHistogram());

        using var document = JsonDocument.Parse(report.ToJsonLine());
        var root = document.RootElement;
        Assert.Equal(0, root.GetProperty("ping_count").GetInt64());
        foreach (var figure in new[] { "ping_p50_ms", "ping_p99_ms", "ping_max_ms", "ping_mean_ms" })
        {
            Assert.Equal(JsonValueKind.Null, root.GetProperty(figure).ValueKind);
        }

        Assert.Contains("round trip p99", report.ToTable(), StringComparison.Ordinal);
        Assert.Contains("n/a", report.ToTable(), StringComparison.Ordinal);
    }

    [Fact]
    public void AddLatency_Samples_AreReportedInMilliseconds()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(2_000);
        histogram.Record(4_000);
        var report = new Report("chat");

        report.AddLatency("latency", "end-to-end latency", histogram);

        using var document = JsonDocument.Parse(report.ToJsonLine());
        var root = document.RootElement;
        Assert.Equal(2, root.GetProperty("latency_count").GetInt64());
        Assert.Equal(4.0, root.GetProperty("latency_max_ms").GetDouble(), 2);
        Assert.Equal(3.0, root.GetProperty("latency_mean_ms").GetDouble(), 2);
        Assert.InRange(root.GetProperty("latency_p50_ms").GetDouble(), 1.9, 2.1);
    }
}
