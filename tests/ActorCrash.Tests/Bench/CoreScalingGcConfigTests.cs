using ActorCrash.Cli.Bench;
using Xunit;

namespace ActorCrash.Tests.Bench;

/// <summary>bench-explore's `cores-detail` line names the GC it ran under (from the runtime's own GC configuration).</summary>
public sealed class CoreScalingGcConfigTests
{
    [Fact]
    public void Workstation_non_concurrent_with_the_gen0_budget_in_kilobytes()
    {
        var config = new Dictionary<string, object>
        {
            ["ServerGC"] = false, ["ConcurrentGC"] = false, ["HeapCount"] = 1L, ["GCGen0MaxBudget"] = 4194304L,
        };
        Assert.Equal("gc=workstation gc_concurrent=off gc_heaps=1 gen0_max_budget_kb=4096", CoreScaling.GcConfig(config));
    }

    [Fact]
    public void Server_concurrent_with_its_heaps()
    {
        var config = new Dictionary<string, object>
        {
            ["ServerGC"] = true, ["ConcurrentGC"] = true, ["HeapCount"] = 2L, ["GCGen0MaxBudget"] = 134217728L,
        };
        Assert.Equal("gc=server gc_concurrent=on gc_heaps=2 gen0_max_budget_kb=131072", CoreScaling.GcConfig(config));
    }

    [Fact]
    public void Missing_keys_read_as_workstation_off_and_zero()
    {
        Assert.Equal("gc=workstation gc_concurrent=off gc_heaps=0 gen0_max_budget_kb=0", CoreScaling.GcConfig(new Dictionary<string, object>()));
    }

    [Fact]
    public void This_process_reports_its_own_gc()
    {
        var line = CoreScaling.GcConfig(GC.GetConfigurationVariables());
        Assert.Contains(System.Runtime.GCSettings.IsServerGC ? "gc=server " : "gc=workstation ", line);
        Assert.DoesNotContain("gen0_max_budget_kb=0", line);
    }
}
