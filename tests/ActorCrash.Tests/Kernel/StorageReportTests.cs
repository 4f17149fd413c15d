using ActorCrash.Actors;
using ActorCrash.Config;
using ActorCrash.Tests.Dumpers;
using Xunit;
using static ActorCrash.Tests.Designs.Kit;

namespace ActorCrash.Tests.Kernel;

/// <summary>
/// The run's storage report counts each dumper's own bytes: ramoops and Eric's NVRAM console share
/// one NVRAM part, and neither's bytes may show up in the other's "issued, landed, not stored" — a
/// dumper can never have landed more than it issued.
/// </summary>
public class StorageReportTests
{
    private static string Shared(string design, string triggers, string era = "") =>
        DumperRuns.Scenario($"nvram.size = 128K\ndumpers = [ramoops, nvram-console]\n{era}", "panic=1", triggers: triggers, design: design);

    private const string WarnOnly = "{ at = 1ms, cpu = 0, event = warn, message = \"drivers/foo.c:42 foo_probe\" }";

    [Theory]
    [InlineData("linux-2.6.38", "")]
    [InlineData("eric-2011", "")]
    [InlineData("linux-3.12", "ramoops.era = pstore")]
    [InlineData("linux-6.x", "ramoops.era = pstore")]
    public void A_panic_dump_beside_the_nvram_console_reports_only_its_own_bytes(string design, string era)
    {
        var r = DumperRuns.Run(Shared(design, DumperRuns.PanicCpu0, era));

        var ramoops = r.Storage("ramoops");
        var console = r.Storage("nvcon");
        Assert.True(ramoops.BytesIssued > 0);
        Assert.True(console.BytesIssued > 0);   // the console wrote the panic's lines to the same part
        // Everything landed before the reboot, each dumper's own bytes only.
        Assert.Equal(ramoops.BytesIssued, ramoops.BytesLanded);
        Assert.Equal(console.BytesIssued, console.BytesLanded);
        Assert.Equal(0, ramoops.BytesLost);
        Assert.Equal(0, console.BytesLost);
    }

    [Fact]
    public void Ramoops_that_dumped_nothing_reports_nothing_landed_while_the_console_wrote()
    {
        var r = DumperRuns.Run(Shared("linux-2.6.38", WarnOnly));

        var ramoops = r.Storage("ramoops");
        Assert.Equal((0L, 0L, 0L), (ramoops.BytesIssued, ramoops.BytesLanded, ramoops.BytesLost));
        Assert.True(r.Storage("nvcon").BytesLanded > 0);
    }

    /// <summary>Every built-in scenario under every design: no storage figure is negative, none lands more than was issued.</summary>
    [Fact]
    public void No_storage_figure_of_any_built_in_scenario_is_negative()
    {
        var checkedRuns = 0;
        foreach (var name in ScenarioLoader.BuiltInNames)
            foreach (var design in All)
            {
                ScenarioSpec spec;
                try { spec = Load(name, design); }
                catch (ScenarioException) { continue; }   // a parameter the design's kernel does not have
                foreach (var r in Runs(spec, 3, first: 1))
                    foreach (var s in r.Storage ?? [])
                    {
                        checkedRuns++;
                        var where = $"{name} under {design}, seed {r.Seed}: {s.Dumper} {s.BytesIssued} issued, {s.BytesLanded} landed";
                        Assert.True(s.BytesLanded >= 0 && s.BytesLanded <= s.BytesIssued, where);
                        Assert.True(s.BytesLost >= 0, where);
                    }
            }
        Assert.True(checkedRuns > 100, $"only {checkedRuns} storage reports checked");
    }
}
