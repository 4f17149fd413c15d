using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using Xunit;
using static ActorCrash.Tests.Emulator.Emu;

namespace ActorCrash.Tests.Emulator;

/// <summary>
/// panic() of 2.6.38 without kdump, and its failure modes (domain reference §1.2 steps 6–11, §4.1–4.2,
/// §4.5–4.6): timings, CPU fates, locks, console and NVRAM, on single runs of hand-written scenarios.
/// </summary>
public class PanicPathTests
{
    private static string NoKdump(string cmdline, string cpus = "[]", string extra = "") => $$"""
        name = "no-kdump"
        cmdline = "{{cmdline}}"
        machine { cpus = 4, kdump.loaded = false, dumpers = [ramoops] }
        cpus = {{cpus}}
        {{PanicCpu0}}
        {{extra}}
        """;

    // ---- 2: panic=10 without kdump reboots through emergency_restart ----

    [Fact]
    public void Without_kdump_panic_10_dumps_stops_the_cpus_and_reboots_after_10_seconds()
    {
        var r = Run(NoKdump("panic=10"));

        Assert.Equal(Outcome.Rebooted, r.Outcome);
        Assert.Equal("emergency_restart", r.Reason);
        // 10 s of panic_timeout, plus the console printing before it and the smp_send_stop wait (≤ 1 s).
        Assert.InRange(r.EndTimeNs, 10 * S, 10 * S + 1500 * Ms);

        var m = InOrder(r,
            "panic: Fatal exception",
            "kmsg_dump(KMSG_DUMP_PANIC)",
            "ramoops: record 0 written",
            "smp_send_stop: all other CPUs offline",
            "emergency_restart",
            "kmsg_dump(KMSG_DUMP_EMERG)",
            "machine_emergency_restart",
            "machine reset (emergency_restart)");
        Assert.All(r.Milestones, x => Assert.Equal(0, x.Cpu));
        // No crash image: crash_kexec returns at once, and says nothing.
        Assert.False(Has(r, "crash_kexec"));
        Assert.False(Has(r, "machine_kexec"));
        // kmsg_dump(PANIC) strictly before smp_send_stop: "the other CPUs are still running" (§1.2 step 6).
        Assert.True(m[1].TimeNs < m[3].TimeNs);
        // Idle CPUs take REBOOT_VECTOR at once: the stop is µs, not the 1 s timeout.
        Assert.InRange(m[3].TimeNs - m[2].TimeNs, 1 * Us, 1 * Ms);

        // The countdown line reached the console, and the reset came 10 s (100 × 100 ms) after it.
        var countdown = Assert.Single(r.Console, l => l.Text.Contains("Rebooting in"));
        Assert.EndsWith("Rebooting in 10 seconds..", countdown.Text);
        Assert.True(countdown.TimeNs > m[3].TimeNs);
        Assert.InRange(m[4].TimeNs - countdown.TimeNs, 10 * S, 10 * S + 1 * Ms);
        Assert.Equal(r.Console[^1], countdown);
        Assert.EndsWith("Kernel panic - not syncing: Fatal exception", r.Console[0].Text);

        Assert.Equal(CpuFate.Panicking, Cpu(r, 0).Fate);
        Assert.True(Cpu(r, 0).Online);
        foreach (var c in r.Cpus.Where(c => c.Cpu != 0))
        {
            Assert.Equal(CpuFate.StoppedByIpi, c.Fate);
            Assert.False(c.Online);
            Assert.False(c.RegistersSaved);  // stop_this_cpu saves nothing
            Assert.StartsWith("halted in stop_this_cpu", c.Doing);
        }
        Assert.Empty(r.LocksHeld);

        // ramoops dumps PANIC and ignores EMERG: one intact record, written before the CPUs were stopped.
        var rec = Assert.Single(r.Nvram);
        Assert.Equal(KmsgDumpReason.Panic, rec.Reason);
        Assert.True(rec.Intact);
        Assert.InRange(rec.WrittenAtNs, m[1].TimeNs, m[3].TimeNs);
        Assert.Contains("Kernel panic - not syncing: Fatal exception", rec.Text);
    }

    // ---- 3: a CPU with interrupts off ignores REBOOT_VECTOR; the NMI shootdown does stop it ----

    private const string Cpu3IrqsOff = "[ { cpu = 3, activity = spin, irqs = off } ]";

    [Fact]
    public void Smp_send_stop_cannot_stop_a_cpu_spinning_with_interrupts_off_and_times_out_after_1s()
    {
        var r = Run(NoKdump("panic=10", Cpu3IrqsOff));

        var m = InOrder(r,
            "kmsg_dump(KMSG_DUMP_PANIC)",
            "ramoops: record 0 written",
            "smp_send_stop: 1 CPU(s) still online after 1 s: cpu3",
            "emergency_restart",
            "machine reset (emergency_restart)");
        Assert.False(Has(r, "all other CPUs offline"));
        // native_stop_other_cpus waits its full second, then carries on (no NMI fallback in 2.6.38).
        Assert.InRange(m[2].TimeNs - m[1].TimeNs, 1 * S, 1 * S + 1 * Ms);

        var wedged = Cpu(r, 3);
        Assert.Equal(CpuFate.Wedged, wedged.Fate);
        Assert.True(wedged.Online);
        Assert.False(wedged.RegistersSaved);
        Assert.Contains("hard lockup (interrupts off)", wedged.Doing);
        foreach (var idle in new[] { 1, 2 })
        {
            Assert.Equal(CpuFate.StoppedByIpi, Cpu(r, idle).Fate);
            Assert.False(Cpu(r, idle).Online);
        }

        // panic() goes on regardless: the countdown starts after the 1 s wait and the machine still reboots.
        Assert.Equal(Outcome.Rebooted, r.Outcome);
        Assert.InRange(r.EndTimeNs, 11 * S, 11 * S + 1500 * Ms);
        var countdown = Assert.Single(r.Console, l => l.Text.EndsWith("Rebooting in 10 seconds..", StringComparison.Ordinal));
        Assert.True(countdown.TimeNs > m[2].TimeNs);
    }

    [Fact]
    public void With_kdump_loaded_the_nmi_shootdown_stops_the_cpu_spinning_with_interrupts_off()
    {
        var r = Run($$"""
            name = "irqs-off-kdump"
            cmdline = "panic=10 crashkernel=128M"
            machine { cpus = 4, kdump.loaded = true, dumpers = [ramoops] }
            cpus = {{Cpu3IrqsOff}}
            {{PanicCpu0}}
            """);

        Assert.Equal(Outcome.VmcoreCaptured, r.Outcome);
        var m = InOrder(r, "kmsg_dump(KMSG_DUMP_KEXEC)", "nmi_shootdown_cpus: all other CPUs halted", "machine_kexec");
        // An NMI is not masked by IF: cpu3 answers within µs, far from the 1000 ms timeout.
        Assert.True(m[1].TimeNs - m[0].TimeNs < 1 * Ms);
        Assert.False(Has(r, "smp_send_stop"));
        Assert.False(Has(r, "did not answer"));

        var wedged = Cpu(r, 3);
        Assert.Equal(CpuFate.StoppedByNmi, wedged.Fate);
        Assert.True(wedged.RegistersSaved);
        Assert.StartsWith("halted in crash_nmi_callback", wedged.Doing);
        Assert.All(r.Cpus.Where(c => c.Cpu != 0), c => Assert.Equal(CpuFate.StoppedByNmi, c.Fate));
    }

    // ---- 4: a hard lockup inside printk: logbuf_lock held by a CPU with interrupts off ----

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_cpu_wedged_holding_logbuf_lock_hangs_the_panic_cpu_in_printk_before_anything_else(bool kdump)
    {
        var hocon = $$"""
            name = "logbuf-wedge"
            cmdline = "panic=10{{(kdump ? " crashkernel=128M" : "")}}"
            machine { cpus = 4, kdump.loaded = {{(kdump ? "true" : "false")}}, dumpers = [ramoops] }
            cpus = [ { cpu = 3, activity = spin, irqs = off, holding = [logbuf_lock] } ]
            {{PanicCpu0}}
            """;
        RunResult r = null!;
        var wall = Time(() => r = Run(hocon));
        Assert.True(wall < TimeSpan.FromSeconds(5), $"took {wall.TotalSeconds:F1} s of wall time");

        Assert.Equal(Outcome.Hung, r.Outcome);
        Assert.StartsWith("cpu0 spinning on logbuf_lock held by cpu3", r.Reason);
        var panicCpu = Cpu(r, 0);
        Assert.Equal(CpuFate.Panicking, panicCpu.Fate);
        Assert.StartsWith("spinning on logbuf_lock held by cpu3 (interrupts off) in vprintk < panic", panicCpu.Doing);
        Assert.Equal(CpuFate.Wedged, Cpu(r, 3).Fate);
        Assert.Equal(new HeldLock("logbuf_lock", 3, nameof(CpuFate.Wedged)), Assert.Single(r.LocksHeld));

        // The very first printk of panic() never returns: nothing after it happens, panic=10 or not,
        // and with kdump loaded crash_kexec is never reached either (NO-KDUMP).
        Assert.Equal("panic: Fatal exception", Assert.Single(r.Milestones).What);
        Assert.Empty(r.Console);
        Assert.Empty(r.Nvram);
        Assert.False(Has(r, "emergency_restart"));
        Assert.False(Has(r, "crash_kexec"));
        // The other idle CPUs were never asked to stop.
        Assert.All(new[] { 1, 2 }, c => Assert.True(Cpu(r, c).Online));
        // The runtime noticed that nothing can ever happen again, rather than burning steps.
        Assert.EndsWith("no further events", r.Reason);
        Assert.True(r.Steps < 100, $"{r.Steps} steps");
    }

    // ---- 7: a one-hour panic_timeout is an ordinary run ----

    [Fact]
    public void Panic_3600_reboots_after_an_hour_of_virtual_time_within_the_default_limits()
    {
        RunResult r = null!;
        var wall = Time(() => r = Run(NoKdump("panic=3600")));

        Assert.Equal(Outcome.Rebooted, r.Outcome);
        Assert.Equal("emergency_restart", r.Reason);
        Assert.InRange(r.EndTimeNs, 3600 * S, 3600 * S + 1500 * Ms);
        var m = InOrder(r, "kmsg_dump(KMSG_DUMP_PANIC)", "smp_send_stop: all other CPUs offline", "emergency_restart", "machine reset");
        var countdown = Assert.Single(r.Console, l => l.Text.Contains("Rebooting in"));
        Assert.EndsWith("Rebooting in 3600 seconds..", countdown.Text);
        Assert.InRange(m[2].TimeNs - countdown.TimeNs, 3600 * S, 3600 * S + 1 * Ms);
        // 36,000 mdelay(100) steps fit the default limits (2,000,000 steps, 2 h) with room to spare.
        var defaults = ScenarioLoaderDefaults();
        Assert.InRange(r.Steps, 36_000, defaults.MaxSteps / 10);
        Assert.True(r.EndTimeNs < defaults.VirtualTimeNs);
        Assert.True(wall < TimeSpan.FromSeconds(5), $"took {wall.TotalSeconds:F1} s of wall time");
    }

    // ---- 8: a crash kernel corrupted before kexec: purgatory loops; only a hardware watchdog recovers ----

    private static string Corrupted(string watchdog) => $$"""
        name = "corrupt-crash-kernel"
        cmdline = "panic=10 crashkernel=128M"
        machine { cpus = 4, kdump.loaded = true, dumpers = [ramoops], watchdog {{watchdog}} }
        triggers = [
          { at = 0ms, cpu = 0, event = panic, message = "Fatal exception" }
          { at = 0ms, event = corrupt-crash-kernel }
        ]
        """;

    [Fact]
    public void A_corrupted_crash_kernel_hangs_in_purgatory_on_the_digest_mismatch()
    {
        var r = Run(Corrupted("{ enabled = false }"));

        Assert.Equal(Outcome.Hung, r.Outcome);
        Assert.Contains("purgatory", r.Reason);
        Assert.Contains("digest mismatch", r.Reason);
        var m = InOrder(r,
            "stray write into the crash-kernel region",
            "kmsg_dump(KMSG_DUMP_KEXEC)",
            "nmi_shootdown_cpus: all other CPUs halted",
            "machine_kexec: jumping to purgatory",
            "purgatory: SHA-256 mismatch, looping forever");
        Assert.Equal(-1, m[0].Cpu);
        Assert.Equal(0, m[4].Cpu);
        Assert.False(Has(r, "crash kernel booted"));
        Assert.False(Has(r, "vmcore saved"));
        Assert.False(Has(r, "machine reset"));
        // panic() never returns from machine_kexec: no countdown, no emergency_restart, even with panic=10.
        Assert.False(Has(r, "emergency_restart"));
        Assert.Equal(CpuFate.InCrashKernel, Cpu(r, 0).Fate);
        Assert.All(r.Cpus.Where(c => c.Cpu != 0), c => Assert.Equal(CpuFate.StoppedByNmi, c.Fate));
        // The kexec dump is there for the next boot, whenever that comes.
        Assert.True(Assert.Single(r.Nvram).Intact);
    }

    [Fact]
    public void A_hardware_watchdog_resets_the_machine_stuck_in_purgatory_at_its_timeout()
    {
        var r = Run(Corrupted("{ enabled = true, timeout = 30s }"));

        Assert.Equal(Outcome.Rebooted, r.Outcome);
        Assert.Equal("hardware watchdog", r.Reason);
        Assert.Equal(30 * S, r.EndTimeNs);
        var m = InOrder(r, "purgatory: SHA-256 mismatch", "machine reset (hardware watchdog)");
        Assert.Equal(30 * S, m[1].TimeNs);
        Assert.Same(m[1], r.Milestones[^1]);
        Assert.False(Has(r, "emergency_restart"));
        // The NVRAM record written before kexec survives the warm reset.
        var rec = Assert.Single(r.Nvram);
        Assert.Equal(KmsgDumpReason.Kexec, rec.Reason);
        Assert.True(rec.Intact);
    }

    [Fact]
    public void A_hardware_watchdog_does_not_fire_before_an_intact_crash_kernel_saves_the_vmcore()
    {
        var r = Run($$"""
            name = "watchdog-kdump"
            cmdline = "panic=10 crashkernel=128M"
            machine { cpus = 4, kdump.loaded = true, watchdog { enabled = true, timeout = 30s } }
            {{PanicCpu0}}
            """);

        Assert.Equal(Outcome.VmcoreCaptured, r.Outcome);
        Assert.True(r.EndTimeNs < 30 * S);
        Assert.False(Has(r, "machine reset"));
    }

    // ---- 9: panic=0 halts in panic's final loop ----

    [Theory]
    [InlineData("panic=0")]
    [InlineData("panic=-1")]  // 2.6.38 reboots only for panic_timeout > 0 (§1.2 step 11)
    public void Panic_0_without_kdump_ends_in_the_final_loop_with_interrupts_on(string cmdline)
    {
        var r = Run(NoKdump(cmdline));

        Assert.Equal(Outcome.Halted, r.Outcome);
        Assert.StartsWith("cpu0 in panic's final loop (panic=0)", r.Reason);
        var m = InOrder(r,
            "panic: Fatal exception",
            "kmsg_dump(KMSG_DUMP_PANIC)",
            "smp_send_stop: all other CPUs offline",
            "panic: final loop (no reboot)");
        Assert.Same(m[3], r.Milestones[^1]);
        Assert.False(Has(r, "emergency_restart"));
        Assert.DoesNotContain(r.Console, l => l.Text.Contains("Rebooting in"));
        var panicCpu = Cpu(r, 0);
        Assert.Equal(CpuFate.PanicLoop, panicCpu.Fate);
        Assert.Contains("(interrupts on)", panicCpu.Doing);  // local_irq_enable() before the loop
        Assert.All(r.Cpus.Where(c => c.Cpu != 0), c => Assert.Equal(CpuFate.StoppedByIpi, c.Fate));
        // The run ends when nothing is left to deliver (or at the time limit), never by hanging.
        Assert.True(r.Reason.EndsWith("no further events", StringComparison.Ordinal) || r.Reason.Contains("virtual-time limit"), r.Reason);
        Assert.True(r.EndTimeNs <= ScenarioLoaderDefaults().VirtualTimeNs);
        Assert.True(Assert.Single(r.Nvram).Intact);
    }

    // ---- 10: the step and virtual-time limits end runs that would go on forever ----

    [Fact]
    public void A_printk_livelock_in_release_console_sem_ends_at_the_step_limit()
    {
        var r = Run(NoKdump("panic=10", "[ { cpu = 2, activity = printk-loop, period = 1ms } ]", "limits { steps = 5000 }"));

        Assert.Equal(Outcome.Hung, r.Outcome);
        Assert.Contains("step limit (5000) reached", r.Reason);
        Assert.Equal(5000, r.Steps);
        // The panic CPU is still printing: cpu2 logs a line every 1 ms, and each takes ~4 ms at 115200 baud.
        Assert.Contains("in release_console_sem < vprintk < panic", Cpu(r, 0).Doing);
        Assert.Equal(CpuFate.Panicking, Cpu(r, 0).Fate);
        Assert.Equal("panic: Fatal exception", Assert.Single(r.Milestones).What);
        Assert.Contains(r.LocksHeld, l => l is { Lock: "console_sem", Cpu: 0 });
        Assert.True(r.Console.Count(l => l.Text.Contains("eth0: tx timeout")) > 100);
        Assert.False(Has(r, "kmsg_dump"));
        Assert.Equal(CpuFate.Running, Cpu(r, 2).Fate);  // never asked to stop
    }

    [Fact]
    public void A_run_longer_than_the_virtual_time_limit_ends_there_as_hung()
    {
        var r = Run(NoKdump("panic=3600", extra: "limits { virtual-time = 10m }"));

        Assert.Equal(Outcome.Hung, r.Outcome);
        Assert.Contains("virtual-time limit (600.000000 s) reached", r.Reason);
        Assert.Equal(600 * S, r.EndTimeNs);
        Assert.StartsWith("cpu0 busy", r.Reason);  // in the panic_timeout countdown
        Assert.False(Has(r, "emergency_restart"));
        Assert.Single(r.Console, l => l.Text.EndsWith("Rebooting in 3600 seconds..", StringComparison.Ordinal));
    }

    private static ActorCrash.Config.LimitsSpec ScenarioLoaderDefaults() => ActorCrash.Config.ScenarioLoader.Default().Limits;
}
