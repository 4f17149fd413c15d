using ActorCrash.Actors;
using ActorCrash.Config;
using ActorCrash.Tests.Designs;
using Xunit;
using static ActorCrash.Tests.Emulator.Emu;

namespace ActorCrash.Tests.Emulator;

/// <summary>
/// A campaign reuses one machine for many seeds, so every device must come back to its power-on
/// state between runs (the crash-kernel region, MTD flash, the EFI variable store, NVRAM, each
/// local APIC, the kernel's memory). Seeds run one after another on a reused machine must report
/// exactly what each reports on a fresh machine, including what the next boot reads back.
/// </summary>
public class ResetLeakTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var scenario in ScenarioLoader.BuiltInNames)
            foreach (var design in ActorCrash.Actors.Designs.Designs.All)
                data.Add(scenario, design.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Seeds_run_one_after_another_on_one_machine_report_what_each_reports_on_a_fresh_one(string scenario, string design)
    {
        ScenarioSpec spec;
        try
        {
            spec = Kit.Load(scenario, design);
        }
        catch (ScenarioException)
        {
            return;  // the design rejects this scenario (e.g. a parameter it does not have): nothing to run
        }
        AssertNoLeak(spec, 8);
    }

    /// <summary>
    /// Scenarios whose seeds differ in what they leave behind: a stray write into the crash kernel
    /// that lands before machine_kexec on some seeds and after the capture on others; a panic at a
    /// time the run picks, before or after a device fault at 1 s (MTD write error, EFI store full,
    /// an NVRAM bit flip), so some seeds' records land and others' do not.
    /// </summary>
    public static TheoryData<string> Varied() =>
    [
        """
        name = "leak-crash-kernel"
        cmdline = "panic=10 crashkernel=128M"
        machine { cpus = 4, kdump.loaded = true, dumpers = [] }
        cpus = [ { cpu = 3, activity = in-nmi } ]
        triggers = [
          { at = 0ms, cpu = 0, event = panic, message = "Fatal exception" }
          { at = [0ms, 12s], cpu = 3, event = stray-write }
        ]
        limits.virtual-time = 1m
        """,
        """
        name = "leak-mtd"
        cmdline = "panic=1"
        machine {
          cpus = 2, kdump.loaded = false, dumpers = [mtdoops]
          mtd { size = 262144, erasesize = 65536 }
          mtdoops.prior-records = 64
          faults = [ { at = 1s, device = mtd, fault = write-error } ]
        }
        triggers = [ { at = [0ms, 2s], cpu = 0, event = panic, message = "Fatal exception" } ]
        limits.virtual-time = 1m
        """,
        """
        name = "leak-efi"
        cmdline = "panic=1 printk.always_kmsg_dump"
        machine {
          cpus = 2, kdump.loaded = false, dumpers = [efi-pstore]
          efi { store-size = 8192 }
          faults = [ { at = 1s, device = efi, fault = full } ]
        }
        triggers = [ { at = [0ms, 2s], cpu = 0, event = panic, message = "Fatal exception" } ]
        limits.virtual-time = 1m
        """,
        """
        name = "leak-nvram"
        cmdline = "panic=1"
        machine {
          cpus = 2, kdump.loaded = false, dumpers = [ramoops], ramoops.ecc = 1
          faults = [ { at = 1s, fault = bit-flip, offset = 40, bytes = 3 } ]
        }
        triggers = [ { at = [0ms, 2s], cpu = 0, event = panic, message = "Fatal exception" } ]
        limits.virtual-time = 1m
        """,
    ];

    [Theory]
    [MemberData(nameof(Varied))]
    public void Seeds_that_leave_different_state_behind_do_not_change_each_other(string hocon)
    {
        var ran = 0;
        foreach (var design in new[] { "linux-2.6.38", "linux-6.x" })
        {
            ScenarioSpec spec;
            try
            {
                spec = Kit.Inline(hocon, design);
            }
            catch (ScenarioException)
            {
                continue;  // e.g. efi-pstore or ECC under 2.6.38
            }
            var distinct = AssertNoLeak(spec, 24);
            Assert.True(distinct > 1, $"{spec.Name} under {design}: every seed ended the same way, so nothing could leak");
            ran++;
        }
        Assert.True(ran > 0);
    }

    /// <summary>Asserts each seed of a reused machine equals a fresh run; returns how many different reports the seeds gave.</summary>
    internal static int AssertNoLeak(ScenarioSpec spec, int seeds)
    {
        var reused = new Machine(spec);
        var reports = new HashSet<string>();
        for (var s = 0UL; s < (ulong)seeds; s++)
        {
            var again = Full(reused.RunAndReport(s, trace: true));
            var fresh = Full(new Machine(spec).RunAndReport(s, trace: true));
            Assert.True(fresh == again, $"{spec.Name} under {spec.Design}, seed {s}: a reused machine reports differently from a fresh one");
            reports.Add(Outcomes(fresh));
        }
        return reports.Count;
    }

    private static string Outcomes(string full) => full[..full.IndexOf('\n')];

    /// <summary>The whole report, storage accounting included.</summary>
    private static string Full(RunResult r) =>
        Fingerprint(r) + "\n" + string.Join("\n", (r.Storage ?? []).Select(s => $"{s.Dumper} {s.Device} {s.BytesIssued} {s.BytesLanded} {string.Join(" / ", s.NextBootLog)}"))
        + "\n" + string.Join("\n", r.Nvram.Select(n => n.Text));
}
