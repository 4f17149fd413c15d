using System.Text.RegularExpressions;
using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using Xunit;
using static ActorCrash.Tests.Designs.Kit;
using static ActorCrash.Tests.Kernel.KernelKit;

namespace ActorCrash.Tests.Designs;

/// <summary>
/// Single steps of the designs' panic() that no end-to-end scenario told apart: dump_stack()'s
/// context, the panic_timeout tests, the 4.x end marker and console_flush_on_panic(), 4.7–4.10's
/// printk_nmi_flush_on_panic() calls, 6.x's panic_on_warn clearing and printk_legacy_allow_panic_sync().
/// </summary>
public class PanicStepTests
{
    public static TheoryData<string> AllDesigns() => [.. All];

    /// <summary>Designs whose panic() tests panic_timeout &gt; 0 and != 0 apart (3.x on): panic=0 prints no countdown and never restarts.</summary>
    public static TheoryData<string> SplitTimeoutDesigns() => ["linux-3.12", "linux-4.5", "linux-4.10", "linux-6.x"];

    private const string HardLockup0 = "{ at = 1ms, cpu = 0, event = nmi-watchdog }";

    // ---- dump_stack(): the call trace of the context panic() was called from ----

    [Theory]
    [MemberData(nameof(AllDesigns))]
    public void Dump_stack_of_a_hard_lockup_panic_shows_the_nmi_handler_and_of_an_oops_panic_the_trap(string design)
    {
        var nmi = RunOn(design, 2, NoKdump, "panic=1 nmi_watchdog=panic", triggers: HardLockup0);
        Assert.Single(Lines(nmi, "watchdog_overflow_callback+0xde/0xe0"));
        Assert.Empty(Lines(nmi, "do_trap"));

        var trap = RunOn(design, 2, NoKdump, "panic=1");
        Assert.Single(Lines(trap, "do_trap+0xc2/0x170"));
        Assert.Empty(Lines(trap, "watchdog_overflow_callback"));
    }

    // ---- panic_timeout: > 0 counts down, != 0 restarts, 0 stays in the final loop ----

    [Theory]
    [MemberData(nameof(SplitTimeoutDesigns))]
    public void With_panic_0_there_is_no_countdown_and_no_restart_only_the_final_loop(string design)
    {
        var r = RunOn(design, 2, NoKdump, "panic=0");
        Assert.Empty(Lines(r, "Rebooting in"));
        Assert.False(Has(r, "emergency_restart"), Describe(r));
        Assert.True(Has(r, "panic: final loop (no reboot)"), Describe(r));
        Assert.Equal(Outcome.Halted, r.Outcome);   // panic=0 asks for the final loop: halted as configured
    }

    [Theory]
    [InlineData("linux-4.5", "---[ end Kernel panic - not syncing: Fatal exception")]
    [InlineData("linux-4.10", "---[ end Kernel panic - not syncing: Fatal exception")]
    [InlineData("linux-6.x", "---[ end Kernel panic - not syncing: Fatal exception ]---")]
    public void The_4_x_end_marker_is_the_last_line_before_the_final_loop(string design, string marker)
    {
        var r = RunOn(design, 2, NoKdump, "panic=0");
        Assert.EndsWith("] " + marker, r.Console[^1].Text);
        Assert.True(r.Console[^1].TimeNs <= TimeOf(r, "panic: final loop (no reboot)"));
    }

    // ---- console_flush_on_panic() (4.x): prints what a stopped console_sem holder kept back ----

    [Theory]
    [InlineData("linux-4.5")]
    [InlineData("linux-4.10")]
    [InlineData("linux-6.x")]
    public void Console_flush_on_panic_prints_the_panic_lines_a_stopped_console_sem_holder_kept_back(string design)
    {
        // panic=0: no countdown printk after the flush, so the flush alone prints them.
        var r = RunOn(design, 2, NoKdump, "panic=0", "{ cpu = 1, activity = spin, irqs = off, holding = [console_sem] }");
        var line = Assert.Single(Lines(r, "] Kernel panic - not syncing: Fatal exception"));
        Assert.True(line.TimeNs > TimeOf(r, "kmsg_dump(KMSG_DUMP_PANIC)"), Describe(r));   // nothing printed it before the flush
    }

    [Theory]
    [InlineData("linux-2.6.38")]
    [InlineData("linux-3.12")]
    public void Before_console_flush_on_panic_a_stopped_console_sem_holder_keeps_the_panic_off_the_console(string design)
    {
        var r = RunOn(design, 2, NoKdump, "panic=0", "{ cpu = 1, activity = spin, irqs = off, holding = [console_sem] }");
        Assert.Empty(Lines(r, "Kernel panic"));
        Assert.Contains(r.LocksHeld, l => l is { Lock: "console_sem", Cpu: 1 });
    }

    // ---- printk_nmi_flush_on_panic() (4.7–4.10): the NMI buffers into the log, stamped when copied ----

    private static readonly Regex EarlyStamp = new(@"\[    0\.\d{6}\] Kernel panic - not syncing: Hard LOCKUP");

    [Fact]
    public void Linux_4_10_copies_an_nmi_panics_lines_into_the_log_before_crash_kexec_not_only_after_the_stop()
    {
        // A hard-lockup panic prints into the NMI buffer. Without kdump loaded __crash_kexec returns,
        // smp_send_stop waits 1 s for CPU 1 (interrupts off); the flush before __crash_kexec has already
        // put the lines into the log at 1 ms, which is the stamp the dump shows.
        var r = RunOn("linux-4.10", 2, "kdump.loaded = false\n dumpers = [ramoops]\n ramoops.era = pstore", "panic=1 nmi_watchdog=panic",
            "{ cpu = 1, activity = spin, irqs = off }", HardLockup0);
        var dump = Assert.Single(r.Nvram, n => n.Name == "dmesg-ramoops-0");
        Assert.Matches(EarlyStamp, dump.Text);
        Assert.Contains("[    1.0", dump.Text);   // the stop's own line, after the 1 s wait
    }

    [Fact]
    public void Linux_4_10_oops_path_crash_kexec_flushes_the_nmi_buffer_so_the_oops_dump_holds_the_oops()
    {
        // die() in NMI context prints into the NMI buffer; kexec_should_crash() (in_interrupt) calls
        // crash_kexec(), whose printk_nmi_flush_on_panic() copies the report into the log before
        // oops_exit()'s kmsg_dump(KMSG_DUMP_OOPS).
        var r = RunOn("linux-4.10", 2, "kdump.loaded = false\n dumpers = [ramoops]\n ramoops { era = pstore, dump_oops = 1 }", "panic=1",
            triggers: "{ at = 1ms, cpu = 0, event = oops, context = nmi, message = \"BUG: unable to handle kernel NULL pointer dereference\" }");
        var oops = Assert.Single(r.Nvram, n => n.Text.StartsWith("Oops#1 Part1", StringComparison.Ordinal));
        Assert.Contains("BUG: unable to handle kernel NULL pointer dereference: 0002 [#1]", oops.Text);
    }

    [Fact]
    public void Linux_6_x_oops_path_crash_kexec_has_no_printk_nmi_flush_on_panic()
    {
        // One CPU, in an NMI-context oops while it holds logbuf_lock: 4.7–4.10's printk_nmi_flush_on_panic()
        // would re-initialise the lock ("one CPU online"); 6.x's crash_kexec() has no such call (the NMI
        // buffers went with the lockless ringbuffer), so the lock is still held when the crash kernel runs.
        var r = RunOn("linux-6.x", 1, Kdump, "panic=10 crashkernel=128M", "{ cpu = 0, activity = spin, irqs = off, holding = [logbuf_lock] }",
            "{ at = 1ms, cpu = 0, event = oops, context = nmi, message = \"BUG: unable to handle page fault\" }");
        Assert.Equal(Outcome.VmcoreCaptured, r.Outcome);
        Assert.False(Has(r, "printk_nmi_flush_on_panic"), Describe(r));
        Assert.Contains(r.LocksHeld, l => l is { Lock: "logbuf_lock", Cpu: 0 });

        var r410 = RunOn("linux-4.10", 1, Kdump, "panic=10 crashkernel=128M", "{ cpu = 0, activity = spin, irqs = off, holding = [logbuf_lock] }",
            "{ at = 1ms, cpu = 0, event = oops, context = nmi, message = \"BUG: unable to handle page fault\" }");
        Assert.Equal(Outcome.VmcoreCaptured, r410.Outcome);
        Assert.DoesNotContain(r410.LocksHeld, l => l.Lock == "logbuf_lock");
    }

    // ---- 6.x: panic_on_warn cleared, printk_legacy_allow_panic_sync() ----

    [Fact]
    public void Linux_6_x_clears_panic_on_warn_so_a_warn_inside_the_panic_does_not_panic_again()
    {
        // CPU 1 spins with interrupts off: smp_send_stop waits 1 s for it, and the WARN lands inside that wait.
        var r = RunOn("linux-6.x", 2, NoKdump, "panic=1 panic_on_warn=1", "{ cpu = 1, activity = spin, irqs = off }",
            Panic0 + ", { at = 500ms, cpu = 0, event = warn, message = \"drivers/foo.c:42\" }");
        Assert.True(Has(r, "WARNING: drivers/foo.c:42"), Describe(r));
        Assert.Single(Lines(r, "Kernel panic - not syncing"));
        Assert.Single(Lines(r, "---[ end trace 0000000000000000 ]---"));   // __warn() returned into the panic
        Assert.Equal(Outcome.Rebooted, r.Outcome);
    }

    [Fact]
    public void Linux_6_x_with_an_nbcon_console_prints_the_held_back_legacy_lines_right_after_the_stop()
    {
        var r = RunOn("linux-6.x", 2, NoKdump + "\n console.nbcon = true", "panic=1");
        var line = Assert.Single(Lines(r, "] Kernel panic - not syncing: Fatal exception"));
        Assert.True(line.TimeNs >= TimeOf(r, "smp_send_stop"), Describe(r));            // held back until the other CPUs are stopped
        Assert.True(line.TimeNs < TimeOf(r, "panic notifier dump_kernel_offset"), Describe(r));  // printed by printk_legacy_allow_panic_sync(), not console_flush_on_panic()
    }
}
