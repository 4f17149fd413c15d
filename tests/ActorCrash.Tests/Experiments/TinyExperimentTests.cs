using ActorCrash.Experiments;
using Xunit;

namespace ActorCrash.Tests.Experiments;

/// <summary>
/// The tiny experiment (ExperimentKit.Tiny), its table worked out by hand. A 2-CPU machine without
/// kdump, ramoops registered, panic=10, a console that costs nothing:
/// - baseline: both designs dump the log into ramoops (KMSG_DUMP_PANIC) and reboot 10 s after the
///   panic: log saved and rebooted in time on every seed, the hypothesis holds.
/// - dumper-hangs: a third-party dumper registered after ramoops never returns. ramoops ran first, so
///   the log is saved; but panic() never gets to emergency_restart(): hung on every seed, under
///   linux-2.6.38 (kmsg_dump before the reboot) and linux-6.x alike (kmsg_dump is still in vpanic).
///   reboot-in-time deviates at seed 1.
/// - cpu-irqs-off: CPU 1 spins with interrupts off. 2.6.38's smp_send_stop() sends only the IPI,
///   which CPU 1 never takes: it waits its 1 s and goes on (CPU 1 still running), so the reset comes
///   at 11 s, within panic_timeout + 2 s. linux-6.x stops CPU 1 with an NMI. Both held.
/// </summary>
public sealed class TinyExperimentTests
{
    [Fact]
    public void The_table_is_the_one_worked_out_by_hand()
    {
        var e = ExperimentKit.Load(ExperimentKit.Tiny);
        Assert.Equal(["baseline", "dumper-hangs", "cpu-irqs-off"], e.Cells.Select(c => c.Name));
        var table = ReliabilityTable.From(e, new Seeds(1, 20), ExperimentKit.RunAll(e), (d, c, s) => $"replay {d} {c} {s}");

        var text = new StringWriter();
        TableText.Write(table, text);
        var lines = text.ToString().Split('\n');

        var byCell = table.Cells.ToDictionary(c => (c.Design, c.Cell));
        foreach (var design in new[] { "linux-2.6.38", "linux-6.x" })
        {
            var baseline = byCell[(design, "baseline")];
            Assert.Equal((20, 20, 20, 0, 0), (baseline.Runs, baseline.LogSaved.Count, baseline.RebootedInTime.Count, baseline.Hung.Count, baseline.Halted.Count));
            Assert.Equal("held", baseline.Status);

            var hangs = byCell[(design, "dumper-hangs")];
            Assert.Equal((20, 20, 0, 20), (hangs.Runs, hangs.LogSaved.Count, hangs.RebootedInTime.Count, hangs.Hung.Count));
            Assert.Equal("deviated", hangs.Status);
            Assert.Equal([false, true], hangs.Probes.Select(p => p.Held));
            Assert.Equal(1ul, hangs.Probes[0].FirstFailingSeed);

            var irqsOff = byCell[(design, "cpu-irqs-off")];
            Assert.Equal((20, 20, 20, 0), (irqsOff.Runs, irqsOff.LogSaved.Count, irqsOff.RebootedInTime.Count, irqsOff.Hung.Count));
            Assert.Equal("held", irqsOff.Status);

            var verdict = table.Verdicts.Single(v => v.Design == design);
            Assert.Equal((DesignVerdict.Deviated, "reboot-in-time", "dumper-hangs", 1ul), (verdict.Status, verdict.Probe, verdict.Cell, verdict.Seed));
            Assert.Equal($"replay {design} dumper-hangs 1", verdict.Replay);
        }
        Assert.True(table.Deviated);

        // 20 of 20: the interval is [83.9%, 100%]; 0 of 20: [0%, 16.1%] (Wilson, z = 1.96). 20 runs
        // cannot show 99%: the table says the held cells are not conclusive.
        Assert.Equal("""
            | design       | cell         | runs | log saved       | vmcore      | rebooted in time | hung            | halted      | hypothesis                  |
            |--------------|--------------|------|-----------------|-------------|------------------|-----------------|-------------|-----------------------------|
            | linux-2.6.38 | baseline     |   20 | 100% [83.9-100] | 0% [0-16.1] | 100% [83.9-100]  | 0% [0-16.1]     | 0% [0-16.1] | held (not conclusive)       |
            |              | dumper-hangs |   20 | 100% [83.9-100] | 0% [0-16.1] | 0% [0-16.1]      | 100% [83.9-100] | 0% [0-16.1] | DEVIATED: reboot-in-time 0% |
            |              | cpu-irqs-off |   20 | 100% [83.9-100] | 0% [0-16.1] | 100% [83.9-100]  | 0% [0-16.1]     | 0% [0-16.1] | held (not conclusive)       |
            | linux-6.x    | baseline     |   20 | 100% [83.9-100] | 0% [0-16.1] | 100% [83.9-100]  | 0% [0-16.1]     | 0% [0-16.1] | held (not conclusive)       |
            |              | dumper-hangs |   20 | 100% [83.9-100] | 0% [0-16.1] | 0% [0-16.1]      | 100% [83.9-100] | 0% [0-16.1] | DEVIATED: reboot-in-time 0% |
            |              | cpu-irqs-off |   20 | 100% [83.9-100] | 0% [0-16.1] | 100% [83.9-100]  | 0% [0-16.1]     | 0% [0-16.1] | held (not conclusive)       |
            """.ReplaceLineEndings("\n"), string.Join("\n", lines[3..11]));
    }

    [Fact]
    public void A_baseline_that_already_fails_is_reported_as_such_not_as_a_deviation()
    {
        // No crash kernel is loaded, so "vmcore >= 50%" fails before any fault is injected.
        var e = ExperimentKit.Load(ExperimentKit.Tiny.Replace("\"log-saved >= 90%\"", "\"vmcore >= 50%\""));
        var table = ReliabilityTable.From(e, new Seeds(1, 20), ExperimentKit.RunAll(e), (d, c, s) => $"replay {d} {c} {s}");
        foreach (var v in table.Verdicts)
        {
            Assert.Equal((DesignVerdict.BaselineFailed, "vmcore", "baseline", 1ul), (v.Status, v.Probe, v.Cell, v.Seed));
            Assert.Empty(v.DeviatedCells);
        }
        var text = new StringWriter();
        TableText.Write(table, text);
        Assert.Contains("linux-6.x: the steady state already fails on the baseline (vmcore), so the faults were not judged", text.ToString());
    }

    [Fact]
    public void Wilson_intervals_match_the_formula()
    {
        Assert.Equal((0.0, 0.1611), Round(Share.Of(0, 20)));
        Assert.Equal((0.8389, 1.0), Round(Share.Of(20, 20)));
        Assert.Equal((0.2993, 0.7007), Round(Share.Of(10, 20)));   // symmetric about one half
        Assert.Equal((0.0, 0.0370), Round(Share.Of(0, 100)));      // why 100 runs clear a 5% tolerance
    }

    private static (double, double) Round(Share s) => (Math.Round(s.Low, 4), Math.Round(s.High, 4));
}
