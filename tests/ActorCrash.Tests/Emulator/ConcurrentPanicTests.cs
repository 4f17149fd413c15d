using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using ActorCrash.Config;
using Xunit;
using static ActorCrash.Tests.Emulator.Emu;

namespace ActorCrash.Tests.Emulator;

/// <summary>
/// Issue item 5, domain reference §3 K1: two CPUs panic at once under 2.6.38, which has no panic_lock.
/// Each calls smp_send_stop(); each one's REBOOT IPI may halt the other. What happens depends on
/// where each CPU is when the other's IPI arrives, so these tests run many seeds and assert the set
/// of outcomes the kernel allows, and that the racy ones do occur.
/// </summary>
public class ConcurrentPanicTests
{
    private const int Seeds = 200;

    private static ScenarioSpec TwoPanics(string extraMachine = "", string extra = "", string eventKind = "panic", string cmdline = "panic=10") => Load($$"""
        name = "two-cpus-panic"
        cmdline = "{{cmdline}}"
        machine { cpus = 4, kdump.loaded = false {{extraMachine}} }
        triggers = [
          { at = 0ms, cpu = 0, event = {{eventKind}}, message = "Fatal exception" }
          { at = 0ms, cpu = 1, event = {{eventKind}}, message = "Fatal exception" }
        ]
        {{extra}}
        """);

    private static RunResult[] RunSeeds(ScenarioSpec spec, int count = Seeds)
    {
        var machine = new Machine(spec);
        return Enumerable.Range(0, count).Select(s => machine.RunAndReport((ulong)s)).ToArray();
    }

    private static Milestone[] Restarts(RunResult r) => r.Milestones.Where(m => m.What == "emergency_restart").ToArray();

    /// <summary>
    /// With the default 115200-baud console the two panics do not stay in step: the CPU that gets
    /// console_sem prints every line of both panics with interrupts off (release_console_sem inside
    /// vprintk), ~40 ms, while the other one's printk only logs. The other one runs ahead through
    /// kmsg_dump to smp_send_stop; its REBOOT IPI stays pending on the printer and is taken the moment
    /// the printer's printk restores interrupts, before the printer can reach smp_send_stop itself.
    /// So 2.6.38 reboots on every seed, by whichever CPU lost the race for console_sem; only which CPU
    /// that is varies.
    /// </summary>
    [Fact]
    public void With_a_serial_console_the_cpu_printing_is_stopped_and_the_other_one_reboots()
    {
        var runs = RunSeeds(TwoPanics(", dumpers = [ramoops]"));
        var winners = new HashSet<int>();
        foreach (var r in runs)
        {
            Assert.Equal(Outcome.Rebooted, r.Outcome);
            Assert.Equal("emergency_restart", r.Reason);
            Assert.InRange(r.EndTimeNs, 10 * S, 10 * S + 1500 * Ms);

            // Never two CPUs in emergency_restart: exactly one, and it is the surviving panicking CPU.
            var restart = Assert.Single(Restarts(r));
            var winner = restart.Cpu;
            var loser = 1 - winner;
            Assert.InRange(winner, 0, 1);
            winners.Add(winner);
            Assert.Equal(CpuFate.Panicking, Cpu(r, winner).Fate);
            Assert.True(Cpu(r, winner).Online);
            Assert.Equal(CpuFate.StoppedByIpi, Cpu(r, loser).Fate);
            Assert.False(Cpu(r, loser).Online);
            Assert.StartsWith("halted in stop_this_cpu < panic", Cpu(r, loser).Doing);
            Assert.All(new[] { 2, 3 }, c => Assert.Equal(CpuFate.StoppedByIpi, Cpu(r, c).Fate));

            // The winner went the whole way; the loser never got past its first printk.
            var own = r with { Milestones = r.Milestones.Where(m => m.Cpu == winner).ToArray() };
            InOrder(own,
                "panic: Fatal exception",
                "kmsg_dump(KMSG_DUMP_PANIC)",
                "ramoops: record 0 written",
                "smp_send_stop: all other CPUs offline",
                "emergency_restart",
                "machine_emergency_restart");
            Assert.Equal("panic: Fatal exception", Assert.Single(r.Milestones, m => m.Cpu == loser).What);
            Assert.Empty(r.LocksHeld);

            // Both panic lines were logged and printed (by the loser, holding console_sem); one dump, intact.
            Assert.Equal(2, r.Console.Count(l => l.Text.EndsWith("Kernel panic - not syncing: Fatal exception", StringComparison.Ordinal)));
            var rec = Assert.Single(r.Nvram);
            Assert.Equal(KmsgDumpReason.Panic, rec.Reason);
            Assert.True(rec.Intact);
        }
        // The race for console_sem goes both ways over the seeds.
        Assert.Equal(new[] { 0, 1 }, winners.Order());
    }

    /// <summary>
    /// K1 proper: with a console that costs nothing and no dumper, both CPUs reach smp_send_stop
    /// within an IPI latency of each other on some seeds. Each waits for the other with interrupts
    /// on, takes the other's REBOOT_VECTOR and halts in stop_this_cpu: nobody is left to reboot
    /// (HANG / NO-REBOOT even with panic=10). On the other seeds one IPI lands first and that CPU's
    /// sender reboots.
    /// </summary>
    [Fact]
    public void With_a_silent_console_the_two_cpus_sometimes_stop_each_other_and_nobody_reboots()
    {
        var runs = RunSeeds(TwoPanics(", dumpers = []", "timing { console-ns-per-char = 0ns }"));
        int hung = 0, rebooted = 0;
        foreach (var r in runs)
        {
            Assert.All(new[] { 2, 3 }, c => Assert.Equal(CpuFate.StoppedByIpi, Cpu(r, c).Fate));
            Assert.True(Restarts(r).Length <= 1, $"seed {r.Seed}: two CPUs reached emergency_restart");
            if (r.Outcome == Outcome.Hung)
            {
                hung++;
                // Each one's REBOOT IPI halted the other inside its own smp_send_stop wait.
                foreach (var c in new[] { 0, 1 })
                {
                    Assert.Equal(CpuFate.StoppedByIpi, Cpu(r, c).Fate);
                    Assert.False(Cpu(r, c).Online);
                    Assert.StartsWith("halted in stop_this_cpu < native_stop_other_cpus < panic", Cpu(r, c).Doing);
                }
                Assert.Contains("no CPU is left running the panic", r.Reason);
                Assert.Empty(Restarts(r));
                Assert.False(Has(r, "smp_send_stop"));
                Assert.False(Has(r, "machine reset"));
                Assert.DoesNotContain(r.Console, l => l.Text.Contains("Rebooting in"));
                // Both got as far as kmsg_dump(PANIC) before stopping each other.
                Assert.Equal(2, r.Milestones.Count(m => m.What == "kmsg_dump(KMSG_DUMP_PANIC)"));
            }
            else
            {
                rebooted++;
                Assert.Equal(Outcome.Rebooted, r.Outcome);
                var winner = Assert.Single(Restarts(r)).Cpu;
                Assert.InRange(winner, 0, 1);
                Assert.Equal(CpuFate.Panicking, Cpu(r, winner).Fate);
                Assert.Equal(CpuFate.StoppedByIpi, Cpu(r, 1 - winner).Fate);
                Assert.Contains(r.Milestones, m => m.Cpu == winner && m.What == "smp_send_stop: all other CPUs offline");
            }
        }
        Assert.True(hung > 0, "no seed had both CPUs stop each other");
        Assert.True(rebooted > hung, $"{hung} hung, {rebooted} rebooted: the mutual stop should be the rare interleaving");
    }

    /// <summary>
    /// With a silent console and ramoops registered, the two dumps do not serialise: 2.6.38's ramoops
    /// takes no lock (correction A1), so a CPU stopped in the middle of its dump leaves no lock held,
    /// and nothing stops the other CPU's dump (the slot race itself is in CorrectionTests).
    /// </summary>
    [Fact]
    public void A_cpu_stopped_in_the_middle_of_its_dump_leaves_no_ramoops_lock_held()
    {
        var runs = RunSeeds(TwoPanics(", dumpers = [ramoops]", "timing { console-ns-per-char = 0ns }"));
        var stoppedInDump = 0;
        foreach (var r in runs)
        {
            Assert.True(Restarts(r).Length <= 1);
            Assert.Empty(r.LocksHeld);
            var stopped = r.Cpus.FirstOrDefault(c => c.Doing.Contains("ramoops_do_dump < kmsg_dump < panic", StringComparison.Ordinal));
            if (stopped is null) continue;
            stoppedInDump++;
            Assert.NotEmpty(r.Nvram);   // its half-written record, or the other CPU's over it (same slot: no lock)
        }
        Assert.True(stoppedInDump > 0, "no seed stopped a CPU inside ramoops_do_dump");
    }

    /// <summary>
    /// The other K1 shape: two hard-lockup panics from NMI context (nmi_watchdog=panic). Neither CPU
    /// can take a REBOOT IPI inside its NMI handler, so both smp_send_stop calls time out after 1 s
    /// with the other still online, both dump, and both run the panic countdown; the first one's
    /// machine_emergency_restart resets the machine.
    /// </summary>
    [Fact]
    public void Two_nmi_panics_cannot_stop_each_other_both_dump_and_the_first_countdown_reboots()
    {
        var runs = RunSeeds(TwoPanics(", dumpers = [ramoops]", eventKind: "nmi-watchdog", cmdline: "panic=10 nmi_watchdog=panic"), 50);
        foreach (var r in runs)
        {
            Assert.Equal(Outcome.Rebooted, r.Outcome);
            Assert.InRange(r.EndTimeNs, 11 * S, 11 * S + 1500 * Ms);
            foreach (var c in new[] { 0, 1 })
            {
                Assert.Equal(CpuFate.Panicking, Cpu(r, c).Fate);
                Assert.True(Cpu(r, c).Online);
                Assert.Contains(r.Milestones, m => m.Cpu == c && m.What == $"smp_send_stop: 1 CPU(s) still online after 1 s: cpu{1 - c}");
                Assert.Contains(r.Milestones, m => m.Cpu == c && m.What == "panic: Watchdog detected hard LOCKUP on cpu " + c);
            }
            Assert.Single(Restarts(r));
            Assert.Equal(2, r.Nvram.Count);
            Assert.All(r.Nvram, n => Assert.True(n.Intact && n.Reason == KmsgDumpReason.Panic));
        }
    }
}
