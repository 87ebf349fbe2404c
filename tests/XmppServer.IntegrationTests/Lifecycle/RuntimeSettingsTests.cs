using System.Text.Json;

namespace XmppServer.IntegrationTests.Lifecycle;

/// <summary>
/// The runtime settings the built server starts with (its runtimeconfig.json): the measured memory and CPU figures
/// depend on them, and they live in a project file where nothing else would notice one going missing.
/// </summary>
public sealed class RuntimeSettingsTests
{
    [Fact]
    public void BuiltServer_CapsTheYoungGenerationBudget_At16MB()
    {
        var budget = ConfigProperty("System.GC.Gen0MaxBudget");

        Assert.Equal(16L * 1024 * 1024, budget.GetInt64());
    }

    [Fact]
    public void BuiltServer_ThreadPoolWorkers_SleepWithoutSpinning()
    {
        var spinLimit = ConfigProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit");

        Assert.Equal(0, spinLimit.GetInt32());
    }

    [Fact]
    public void BuiltServer_UsesTheWorkstationCollector_WithoutBackgroundCollections()
    {
        Assert.False(ConfigProperty("System.GC.Server").GetBoolean());
        Assert.False(ConfigProperty("System.GC.Concurrent").GetBoolean());
    }

    private static JsonElement ConfigProperty(string name)
    {
        // The server project is referenced, so its runtimeconfig.json is copied beside the tests.
        var path = Path.Combine(AppContext.BaseDirectory, "XmppServer.runtimeconfig.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var properties = document.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        Assert.True(properties.TryGetProperty(name, out var value), $"{name} is not set in {path}");
        return value.Clone();
    }
}
