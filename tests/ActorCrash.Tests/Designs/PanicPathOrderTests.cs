using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using Xunit;
using static ActorCrash.Tests.Designs.Kit;

namespace ActorCrash.Tests.Designs;

/// <summary>
/// The orders the designs' comments state, pinned: where kmsg_dump, crash_kexec and the CPU stop
/// come in each era, what panic_timeout &lt; 0 does, the oops path, sysrq-b, nmi_panic, the
/// thread's opt-outs and the tunables.
/// </summary>
public class PanicPathOrderTests
{
    private static string Machine(string cmdline, bool kdump, string cpus = "", string triggers = "", string extra = "") => $$"""
        name = "order"
        cmdline = "{{cmdline}}"
        machine { cpus = 4, kdump.loaded = {{(kdump ? "true" : "false")}}, dumpers = [ramoops] }
        cpus = [ {{cpus}} ]
        triggers = [ {{(triggers.Length > 0 ? triggers : "{ at = 0ms, cpu = 0, event = panic, message = \"Fatal exception\" }")}} ]
        limits.virtual-time = 1m
        {{extra}}
        """;

    // ---- where kmsg_dump, the stop and kdump come ----

    [Theory]
    [InlineData("linux-2.6.38")]
    [InlineData("eric-2011")]
    public void Before_3_x_kmsg_dump_runs_before_smp_send_stop_with_the_other_cpus_running(string design)
    {
        var r = Run(Inline(Machine("panic=10", kdump: false), design));
        InOrder(r, "panic: Fatal exception", "kmsg_dump(KMSG_DUMP_PANIC)", "smp_send_stop: all other CPUs offline", "emergency_restart");
        Assert.Equal(Outcome.Rebooted, r.Outcome);
    }

    [Theory]
    [InlineData("linux-3.12", "smp_send_stop: all other CPUs offline")]
    [InlineData("linux-4.10", "smp_send_stop: all other CPUs offline")]
    [InlineData("linux-6.x", "smp_send_stop: all other CPUs halted")]
    public void From_3_12_kmsg_dump_runs_after_smp_send_stop(string design, string stopped)
    {
        var r = Run(Inline(Machine("panic=10", kdump: false), design));
        InOrder(r, "panic: Fatal exception", stopped, "kmsg_dump(KMSG_DUMP_PANIC)", "emergency_restart");
        Assert.True(DumpIntact(r));
    }

    [Theory]
    [InlineData("linux-3.12")]
    [InlineData("linux-4.10")]
    [InlineData("linux-6.x")]
    public void With_kdump_crash_kexec_comes_before_any_dump_and_stop(string design)
    {
        var r = Run(Inline(Machine("panic=10 crashkernel=128M", kdump: true), design));
        Assert.Equal(Outcome.VmcoreCaptured, r.Outcome);
        InOrder(r, "crash_kexec: crash kernel loaded", "nmi_shootdown_cpus", "machine_kexec");
        Assert.False(Has(r, "kmsg_dump"));
        Assert.False(Has(r, "smp_send_stop"));
    }

    [Theory]
    [InlineData("linux-4.10")]
    [InlineData("linux-6.x")]
    public void Crash_kexec_post_notifiers_stops_with_crash_smp_send_stop_dumps_then_kexecs(string design)
    {
        var r = Run(Inline(Machine("panic=10 crashkernel=128M crash_kexec_post_notifiers", kdump: true), design));
        Assert.Equal(Outcome.VmcoreCaptured, r.Outcome);
        InOrder(r, "nmi_shootdown_cpus: all other CPUs halted", "kmsg_dump(KMSG_DUMP_PANIC)", "crash_kexec: crash kernel loaded", "machine_kexec");
        Assert.False(Has(r, "smp_send_stop"));
        // crash_smp_send_stop "executes only once": machine_crash_shutdown does not shoot down again.
        Assert.Single(r.Milestones, m => m.What.StartsWith("nmi_shootdown_cpus", StringComparison.Ordinal));
        Assert.All(r.Cpus.Where(c => c.Cpu != 0), c => Assert.True(c.RegistersSaved));
    }

    [Fact]
    public void Vivek_2011_stops_the_other_cpus_with_nmis_then_dumps_then_kexecs()
    {
        var kdump = Run(Inline(Machine("panic=10 crashkernel=128M", kdump: true), "vivek-2011"));
        Assert.Equal(Outcome.VmcoreCaptured, kdump.Outcome);
        InOrder(kdump, "nmi_shootdown_cpus: all other CPUs halted", "kmsg_dump(KMSG_DUMP_KEXEC)", "crash_kexec_execute: crash kernel loaded", "machine_kexec");
        Assert.True(DumpIntact(kdump));

        var none = Run(Inline(Machine("panic=10", kdump: false), "vivek-2011"));
        Assert.Equal(Outcome.Rebooted, none.Outcome);
        InOrder(none, "nmi_shootdown_cpus: all other CPUs halted", "kmsg_dump(KMSG_DUMP_PANIC)", "emergency_restart", "kmsg_dump(KMSG_DUMP_EMERG)");
        Assert.False(Has(none, "smp_send_stop"));
    }

    // ---- panic_timeout and emergency_restart ----

    [Theory]
    [InlineData("linux-3.12")]
    [InlineData("linux-4.10")]
    [InlineData("linux-6.x")]
    public void Panic_below_zero_reboots_at_once_from_3_12(string design)
    {
        var r = Run(Inline(Machine("panic=-1", kdump: false), design));
        Assert.Equal(Outcome.Rebooted, r.Outcome);
        Assert.True(r.EndTimeNs < 1 * S, $"{r.EndTimeNs} ns");
        Assert.DoesNotContain(r.Console, l => l.Text.Contains("Rebooting in", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("linux-2.6.38")]
    [InlineData("vivek-2011")]
    [InlineData("eric-2011")]
    public void Panic_below_zero_never_reboots_in_2_6_38(string design)
    {
        var r = Run(Inline(Machine("panic=-1", kdump: false), design));
        Assert.Equal(Outcome.Halted, r.Outcome);
        Assert.True(Has(r, "panic: final loop (no reboot)"));
    }

    [Theory]
    [InlineData("linux-3.12", "kmsg_dump(KMSG_DUMP_EMERG): not an error path, skipped")]
    [InlineData("linux-6.x", "kmsg_dump(KMSG_DUMP_EMERG)")]
    public void Emerg_is_not_dumped_by_default_from_3_12(string design, string milestone)
    {
        var r = Run(Inline(Machine("panic=1", kdump: false), design));
        Assert.True(Has(r, milestone));
        Assert.DoesNotContain(r.Nvram, n => n.Reason == KmsgDumpReason.Emerg);
        Assert.Equal(Outcome.Rebooted, r.Outcome);
    }

    // ---- the oops path ----

    [Theory]
    [MemberData(nameof(AllDesigns))]
    public void An_oops_with_panic_on_oops_goes_to_kdump_before_oops_exit_dumps(string design)
    {
        var r = Run(Inline(Machine("panic=10 crashkernel=128M oops=panic", kdump: true, triggers: "{ at = 0ms, cpu = 1, event = oops }"), design));
        Assert.Equal(Outcome.VmcoreCaptured, r.Outcome);
        Assert.Equal(1, r.Milestones.Single(m => m.What.StartsWith("machine_kexec", StringComparison.Ordinal)).Cpu);
        Assert.False(Has(r, "KMSG_DUMP_OOPS"));  // crash_kexec() comes before oops_exit()
        Assert.False(Has(r, "panic:"));
    }

    [Theory]
    [MemberData(nameof(AllDesigns))]
    public void An_oops_without_panic_on_oops_dumps_oops_and_the_task_dies(string design)
    {
        var r = Run(Inline(Machine("panic=10 crashkernel=128M", kdump: true, triggers: "{ at = 0ms, cpu = 1, event = oops, message = \"BUG: unable to handle kernel NULL pointer dereference\" }"), design));
        InOrder(r, "oops: BUG: unable to handle kernel NULL pointer dereference", "kmsg_dump(KMSG_DUMP_OOPS)", "oops: do_exit(SIGSEGV), the machine runs on");
        Assert.False(Has(r, "crash_kexec"));
        Assert.False(Has(r, "panic:"));
        Assert.True(DumpIntact(r));
        Assert.Contains(r.Console, l => l.Text.EndsWith("---[ end trace 4a2f9e1c5d3b7086 ]---", StringComparison.Ordinal));
        Assert.Equal(ActorCrash.Actors.Outcome.Survived, r.Outcome);
    }

    [Theory]
    [MemberData(nameof(AllDesigns))]
    public void An_oops_with_panic_on_oops_and_no_kdump_dumps_oops_then_panics(string design)
    {
        var r = Run(Inline(Machine("panic=10 oops=panic", kdump: false, triggers: "{ at = 0ms, cpu = 1, event = oops }"), design));
        InOrder(r, "oops: Oops", "kmsg_dump(KMSG_DUMP_OOPS)", "panic: Fatal exception", "emergency_restart");
        Assert.Equal(Outcome.Rebooted, r.Outcome);
        // 3.x on: "Avoid nested stack-dumping if a panic occurs during oops processing".
        var traces = r.Console.Count(l => l.Text.EndsWith("Call Trace:", StringComparison.Ordinal));
        Assert.Equal(design is "linux-2.6.38" or "vivek-2011" or "eric-2011" ? 2 : 1, traces);
    }

    [Theory]
    [InlineData("linux-4.10")]
    [InlineData("linux-6.x")]
    public void With_post_notifiers_an_oops_goes_through_panic_and_dumps_before_kdump(string design)
    {
        var r = Run(Inline(Machine("panic=10 crashkernel=128M oops=panic crash_kexec_post_notifiers", kdump: true, triggers: "{ at = 0ms, cpu = 1, event = oops }"), design));
        Assert.Equal(Outcome.VmcoreCaptured, r.Outcome);
        InOrder(r, "kmsg_dump(KMSG_DUMP_OOPS)", "panic: Fatal exception", "kmsg_dump(KMSG_DUMP_PANIC)", "crash_kexec: crash kernel loaded");
    }

    // ---- sysrq-b ----

    [Theory]
    [InlineData("linux-2.6.38", true)]
    [InlineData("vivek-2011", true)]
    [InlineData("eric-2011", false)]
    [InlineData("linux-3.12", true)]
    [InlineData("linux-6.x", true)]
    public void Sysrq_b_is_emergency_restart_with_the_designs_emerg_hook(string design, bool hook)
    {
        var r = Run(Inline(Machine("panic=10", kdump: false, triggers: "{ at = 1ms, cpu = 2, event = sysrq-b }"), design));
        Assert.Equal(Outcome.Rebooted, r.Outcome);
        InOrder(r, "sysrq: Resetting", "emergency_restart", "machine_emergency_restart");
        Assert.Equal(hook, Has(r, "kmsg_dump(KMSG_DUMP_EMERG)"));
        Assert.False(Has(r, "panic:"));
    }

    /// <summary>sysrq.c's prefix: "SysRq : Resetting" in 2.6.38 and 3.12, "sysrq: Resetting" in 6.1 (tests/groundtruth/sysrq-b-*).</summary>
    [Theory]
    [InlineData("linux-2.6.38", "SysRq : Resetting")]
    [InlineData("linux-3.12", "SysRq : Resetting")]
    [InlineData("linux-6.x", "sysrq: Resetting")]
    public void Sysrq_b_prints_its_eras_prefix(string design, string line)
    {
        var r = Run(Inline(Machine("panic=10", kdump: false, triggers: "{ at = 1ms, cpu = 2, event = sysrq-b }"), design));
        var resetting = r.Console.Select(l => Unstamped(l.Text)).Where(t => t.EndsWith("Resetting", StringComparison.Ordinal)).ToList();
        Assert.Equal([line], resetting);
    }

    /// <summary>watchdog_timer_fn() shows the stuck CPU's stack after "BUG: soft lockup" (6.1 under QEMU: tests/groundtruth/softlockup-panic).</summary>
    [Fact]
    public void A_soft_lockup_report_shows_the_stuck_cpus_stack_before_the_panic()
    {
        var r = Run(Inline(Machine("panic=10 softlockup_panic=1", kdump: false, triggers: "{ at = 1ms, cpu = 1, event = soft-lockup }"), "linux-6.x"));
        var lines = r.Console.Select(l => Unstamped(l.Text)).ToList();
        var report = lines.FindIndex(l => l.StartsWith("watchdog: BUG: soft lockup - CPU#1", StringComparison.Ordinal));
        var panic = lines.FindIndex(l => l.StartsWith("Kernel panic - not syncing: softlockup: hung tasks", StringComparison.Ordinal));
        Assert.True(report >= 0 && panic > report, string.Join("\n", lines));
        Assert.Contains(lines[(report + 1)..panic], l => l.StartsWith("CPU: 1 PID:", StringComparison.Ordinal));
        Assert.Contains(lines[(report + 1)..panic], l => l == "Call Trace:");
    }

    private static string Unstamped(string text) => text.StartsWith('[') && text.IndexOf("] ", StringComparison.Ordinal) is var i and > 0 ? text[(i + 2)..] : text;

    // ---- nmi_panic (4.5) ----

    [Fact]
    public void A_cpu_panicking_in_nmi_context_second_gives_kdump_its_registers_from_4_5_but_not_in_3_12()
    {
        const string hocon = """
            name = "nmi-panic"
            cmdline = "panic=10 crashkernel=128M nmi_watchdog=panic"
            machine { cpus = 4, kdump.loaded = true, dumpers = [] }
            cpus = [ { cpu = 3, activity = spin, irqs = off } ]
            triggers = [ { at = 0ms, cpu = 0, event = panic }, { at = 2us, cpu = 3, event = nmi-watchdog } ]
            """;
        foreach (var design in new[] { "linux-4.10", "linux-6.x" })
            foreach (var r in Runs(Inline(hocon, design), 20))
            {
                Assert.Equal(Outcome.VmcoreCaptured, r.Outcome);
                Assert.Contains(r.Milestones, m => m.Cpu == 3 && m.What == "nmi_panic_self_stop");
                Assert.True(Cpu(r, 3).RegistersSaved, $"{design}: cpu3 has no crash notes");
                Assert.StartsWith("halted in crash_nmi_callback < nmi_panic_self_stop", Cpu(r, 3).Doing);
                Assert.True(Has(r, "nmi_shootdown_cpus: all other CPUs halted"));
            }
        foreach (var r in Runs(Inline(hocon, "linux-3.12"), 20))
        {
            Assert.Equal(Outcome.VmcoreCaptured, r.Outcome);
            Assert.Equal(CpuFate.SelfStopped, Cpu(r, 3).Fate);
            Assert.False(Cpu(r, 3).RegistersSaved);  // LOST-REGS: the shootdown NMI cannot reach a CPU inside an NMI
            Assert.True(Has(r, "nmi_shootdown_cpus: 1 CPU(s) did not answer the NMI within 1000 ms"));
        }
    }

    // ---- printk ----

    [Fact]
    public void Lockless_printk_of_6_x_does_not_spin_on_a_logbuf_lock_held_by_a_wedged_cpu()
    {
        var wedged = Machine("panic=10", kdump: false, cpus: "{ cpu = 3, activity = spin, irqs = off, holding = [logbuf_lock] }");
        var old = Run(Inline(wedged, "linux-3.12"));
        Assert.Equal(Outcome.Hung, old.Outcome);
        Assert.StartsWith("spinning on logbuf_lock held by cpu3", Cpu(old, 0).Doing);
        var now = Run(Inline(wedged, "linux-6.x"));
        Assert.Equal(Outcome.Rebooted, now.Outcome);
        Assert.True(DumpIntact(now));
    }

    [Fact]
    public void During_a_6_x_panic_only_the_panic_cpu_writes_the_log()
    {
        var loud = Machine("panic=1", kdump: false, cpus: "{ cpu = 2, activity = printk-loop, period = 10ms, hold = 1us }",
            triggers: "{ at = 5ms, cpu = 0, event = panic, message = \"Fatal exception\" }");
        // The printk time stamp says when a line was logged, whenever the console printed it.
        static double Logged(string line) => double.Parse(line[1..line.IndexOf(']')], System.Globalization.CultureInfo.InvariantCulture);
        bool LoggedAfterPanic(RunResult r) => r.Console.Any(l => l.Text.Contains("eth0: tx timeout", StringComparison.Ordinal) && Logged(l.Text) > 0.0051);
        Assert.True(LoggedAfterPanic(Run(Inline(loud, "linux-4.10"))));
        var r6 = Run(Inline(loud, "linux-6.x"));
        Assert.Equal(Outcome.Rebooted, r6.Outcome);
        Assert.False(LoggedAfterPanic(r6));
    }

    // ---- the thread's opt-outs and the tunables ----

    [Theory]
    [MemberData(nameof(AllDesigns))]
    public void Kmsg_dump_compiled_out_is_an_empty_registry_nothing_is_dumped(string design)
    {
        var r = Run(Inline(Machine("panic=1", kdump: false) + "\nkconfig = \"CONFIG_KMSG_DUMP=n\"", design));
        Assert.Equal(Outcome.Rebooted, r.Outcome);
        Assert.False(Has(r, "kmsg_dump"));
        Assert.Empty(r.Nvram);
    }

    [Fact]
    public void Vivek_2011s_proc_switch_skips_kdump_msg()
    {
        var on = Run(Inline(Machine("panic=10 crashkernel=128M", kdump: true), "vivek-2011"));
        var off = Run(Inline(Machine("panic=10 crashkernel=128M", kdump: true) + "\nsysctl = \"kernel.kdump_msg=0\"", "vivek-2011"));
        Assert.True(Has(on, "kmsg_dump(KMSG_DUMP_KEXEC)"));
        Assert.False(Has(off, "kmsg_dump"));
        Assert.Equal(Outcome.VmcoreCaptured, off.Outcome);
    }

    [Theory]
    [InlineData("linux-2.6.38")]
    [InlineData("linux-3.12")]
    [InlineData("linux-6.x")]
    public void Reboot_force_makes_smp_send_stop_return_at_once(string design)
    {
        var r = Run(Inline(Machine("panic=1 reboot=force", kdump: false), design));
        Assert.Equal(Outcome.Rebooted, r.Outcome);
        Assert.False(Has(r, "smp_send_stop"));
        Assert.All(r.Cpus.Where(c => c.Cpu != 0), c => Assert.True(c.Online));
    }

    [Fact]
    public void Panic_print_0x40_backtraces_the_other_cpus_by_nmi_before_the_stop_and_0x2_prints_memory()
    {
        var r = Run(Inline(Machine("panic=1 panic_print=0x42", kdump: false), "linux-6.x"));
        Assert.Equal(Outcome.Rebooted, r.Outcome);
        var text = r.Console.Select(l => l.Text).ToArray();
        int Line(string what) => Array.FindIndex(text, t => t.Contains(what, StringComparison.Ordinal));
        foreach (var c in new[] { 1, 2, 3 }) Assert.True(Line($"NMI backtrace for cpu {c}") >= 0, $"no backtrace of cpu{c}");
        Assert.True(Line("Sending NMI from CPU 0 to CPUs 1,2,3:") < Line("NMI backtrace for cpu"));
        Assert.True(Line("Mem-Info:") > Line("NMI backtrace for cpu"));
        Assert.True(At(r, "smp_send_stop") < At(r, "kmsg_dump(KMSG_DUMP_PANIC)"));
        Assert.Contains("Mem-Info:", r.Nvram.Single(n => n.WrittenAtNs >= 0).Text);  // sys_info() comes before kmsg_dump
    }

    [Fact]
    public void A_stopped_cpu_runs_no_stray_write_an_oops_or_sysrq()
    {
        // CPU 1 is halted by the kdump shootdown at about 36 ms; the triggers at 500 ms find it stopped.
        var hocon = Machine("panic=10 crashkernel=128M", kdump: true, triggers: """
            { at = 0ms, cpu = 0, event = panic }, { at = 500ms, cpu = 1, event = stray-write },
            { at = 500ms, cpu = 1, event = oops }, { at = 500ms, cpu = 1, event = sysrq-b }
            """);
        foreach (var design in new[] { "linux-2.6.38", "linux-3.12" })
        {
            var r = Run(Inline(hocon, design));
            Assert.Equal(Outcome.VmcoreCaptured, r.Outcome);
            Assert.DoesNotContain(r.Milestones, m => m.Cpu == 1);
        }
    }

    public static TheoryData<string> AllDesigns() => [.. All];
}
