using ActorCrash.Actors;
using ActorCrash.Cli.Output;
using ActorCrash.Config;
using Xunit;

namespace ActorCrash.Tests.Dumpers;

/// <summary>A machine is built once and reset between runs: no dumper, device or fault may leak state into the next run.</summary>
public class DumperDeterminismTests
{
    [Theory]
    [InlineData("machine { dumpers = [ramoops, nvram-console], nvram.size = 128K, ramoops.era = pstore, ramoops.ecc = 1, ramoops.pmsg = [\"x\"], faults = [{ at = 1s, fault = bit-flip, offset = 40, bytes = 2 }] }")]
    [InlineData("machine { dumpers = [mtdoops, efi-pstore], mtdoops.prior-records = 32, mtd.erase-time = 10s }")]
    [InlineData("machine { dumpers = [mtdoops, efi-pstore], mtd.size = 192K, mtd.bad-blocks = [1], mtd.erase-time = 1ms, mtdoops.prior-records = 32, faults = [{ at = 0ms, device = mtd, fault = write-error }, { at = 0ms, device = efi, fault = full }, { at = 500ms, device = mtd, fault = bit-flip, offset = 70000, bytes = 4 }] }")]
    public void The_same_seed_reads_back_the_same_storage_after_other_runs(string machine)
    {
        var spec = ScenarioLoader.LoadText($$"""
            design = "{{(machine.Contains("efi-pstore", StringComparison.Ordinal) ? "linux-4.10" : machine.Contains("era = pstore", StringComparison.Ordinal) ? "linux-6.x" : "linux-2.6.38")}}"
            cmdline = "panic=2"
            {{machine}}
            machine { cpus = 2, kdump.loaded = false }
            triggers = [ { at = 1ms, cpu = 0, event = panic } ]
            """, DumperRuns.Source);
        var m = new Machine(spec);

        var first = View(m.RunAndReport(1));
        m.RunAndReport(2);
        var again = View(m.RunAndReport(1));

        Assert.Equal(first, again);
        Assert.Contains("\"state\"", first);
    }

    private static string View(RunResult r) => JsonOutput.Serialize(new { r.Nvram, r.Storage });
}
