using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using ActorCrash.Tests.Dumpers;
using Xunit;
using static ActorCrash.Tests.Designs.Kit;

namespace ActorCrash.Tests.Fidelity;

/// <summary>
/// Issue 11, part B: mechanisms the scenario language lacked — panic notifiers, the 4.5 era, more
/// entry points, LKDTM crash types, per-era kernel text, kconfig switches and unmodelled parameters —
/// each shown under a design that has it and absent under one that does not.
/// </summary>
public class MechanismTests
{
    private static string Scenario(string cmdline, string machine, string triggers, string cpus = "", string tail = "", int cpuCount = 2) =>
        CorrectionTests.Machine(cpuCount, machine, cmdline, cpus, triggers, tail);

    private const string Panic0 = CorrectionTests.Panic0;
    private const string NoKdumpRamoops = "kdump.loaded = false\n dumpers = [ramoops]";

    private static bool Said(RunResult r, string text) => CorrectionTests.Said(r, text);

    // ---- B1: panic notifiers as scenario objects ----

    [Fact]
    public void B1_a_hypervisor_notifier_that_reboots_runs_before_the_dump_from_3_12_on_and_after_it_in_2_6_38()
    {
        var hocon = Scenario("panic=10", NoKdumpRamoops, Panic0, tail: "panic-notifiers = [ { name = \"hyperv\", behaviour = reboot } ]");
        var old = Run(Inline(hocon, "linux-2.6.38"));
        Assert.Equal(Outcome.Rebooted, old.Outcome);
        InOrder(old, "kmsg_dump(KMSG_DUMP_PANIC)", "panic notifier hyperv", "panic notifier hyperv: resetting the machine");
        Assert.True(DumpIntact(old));
        foreach (var design in new[] { "linux-3.12", "linux-4.5", "linux-4.10", "linux-6.x" })
        {
            var r = Run(Inline(hocon, design));
            Assert.Equal(Outcome.Rebooted, r.Outcome);
            Assert.True(Said(r, "panic notifier hyperv: resetting the machine"));
            Assert.False(Said(r, "kmsg_dump(KMSG_DUMP_PANIC)"));   // 6723734cdff1: notifiers first; this one never returns
            Assert.False(DumpIntact(r));
        }
    }

    [Fact]
    public void B1_notifiers_run_in_order_and_one_that_hangs_or_takes_a_stopped_cpus_lock_keeps_the_machine_from_rebooting()
    {
        var chain = "panic-notifiers = [ { name = \"slow\", behaviour = slow, time = 2s }, { name = \"stuck\", behaviour = take-lock, lock = console_sem, time = 1ms } ]";
        var hocon = Scenario("panic=1", "kdump.loaded = false\n dumpers = []", Panic0, "{ cpu = 1, activity = spin, holding = [console_sem] }", chain);
        var r = Run(Inline(hocon, "linux-6.x"));
        Assert.Equal(Outcome.Hung, r.Outcome);
        InOrder(r, "panic notifier dump_kernel_offset", "panic notifier slow", "panic notifier stuck");
        Assert.Contains("console_sem", Cpu(r, 0).Doing);
        Assert.True(r.EndTimeNs >= 2 * S || r.Milestones.Last().TimeNs >= 2 * S);
        // With kdump loaded and no post_notifiers, 6.x kexecs before the chain: the notifiers never run.
        var k = Run(Inline(hocon.Replace("kdump.loaded = false", "kdump.loaded = true").Replace("panic=1", "panic=1 crashkernel=128M"), "linux-6.x"));
        Assert.Equal(Outcome.VmcoreCaptured, k.Outcome);
        Assert.False(Said(k, "panic notifier slow"));
        var e = Assert.Throws<ActorCrash.Config.ScenarioException>(() => Inline(hocon.Replace("behaviour = slow", "behaviour = explode"), "linux-6.x"));
        Assert.Contains("panic-notifiers[0].behaviour", e.Message);
    }

    // ---- B2: linux-4.5 ----

    [Fact]
    public void B2_linux_4_5_post_notifiers_stop_with_smp_send_stop_and_kdump_loses_the_other_cpus_registers_which_4_10_keeps()
    {
        var hocon = Scenario("panic=10 crashkernel=128M crash_kexec_post_notifiers", "kdump.loaded = true\n dumpers = []", Panic0, cpuCount: 4);
        var r45 = Run(Inline(hocon, "linux-4.5"));
        Assert.Equal(Outcome.VmcoreCaptured, r45.Outcome);
        InOrder(r45, "smp_send_stop", "crash_kexec: crash kernel loaded");
        Assert.All(new[] { 1, 2, 3 }, c => Assert.False(Cpu(r45, c).RegistersSaved));
        var r410 = Run(Inline(hocon, "linux-4.10"));
        Assert.Equal(Outcome.VmcoreCaptured, r410.Outcome);
        Assert.All(new[] { 1, 2, 3 }, c => Assert.True(Cpu(r410, c).RegistersSaved));
        // Without post_notifiers 4.5 kdumps first, and the shootdown saves them.
        var first = Run(Inline(hocon.Replace(" crash_kexec_post_notifiers", ""), "linux-4.5"));
        Assert.All(new[] { 1, 2, 3 }, c => Assert.True(Cpu(first, c).RegistersSaved));
    }

    [Fact]
    public void B2_linux_4_5_has_nmi_panic_but_not_yet_the_4_7_nmi_printk_buffers()
    {
        var hocon = Scenario("panic=1 nmi_watchdog=panic", "kdump.loaded = false\n dumpers = []", "{ at = 1ms, cpu = 0, event = nmi-watchdog }",
            "{ cpu = 1, activity = spin, irqs = off, holding = [logbuf_lock] }");
        // The detector's own pr_emerg("Watchdog detected hard LOCKUP …") before nmi_panic() already spins on the lock.
        var r = Run(Inline(hocon, "linux-4.5"));
        Assert.NotEqual(Outcome.Rebooted, r.Outcome);
        Assert.Contains("spinning on logbuf_lock held by cpu1", Cpu(r, 0).Doing);
        Assert.Equal(Outcome.Rebooted, Run(Inline(hocon, "linux-4.10")).Outcome);
        // Two hard-lockup panics: nmi_panic parks the loser (nmi_panic_self_stop); 3.12 has no nmi_panic.
        var two = Scenario("panic=1 nmi_watchdog=panic", "kdump.loaded = false\n dumpers = []",
            "{ at = 1ms, cpu = 0, event = nmi-watchdog }, { at = 1ms, cpu = 1, event = nmi-watchdog }");
        Assert.All(Runs(Inline(two, "linux-4.5"), 20), x => Assert.True(Said(x, "nmi_panic_self_stop")));
        Assert.All(Runs(Inline(two, "linux-3.12"), 20), x => Assert.False(Said(x, "nmi_panic_self_stop")));
    }

    // ---- B3: the kmsg_dump iterator inside the dumper (3.5–5.12) vs one per call ----

    [Fact]
    public void B3_two_oopses_at_once_reset_the_iterator_shared_in_the_dumper_under_4_10_and_each_dump_keeps_its_own_under_6_x()
    {
        // Two oopses at the same time, efi-pstore storing every 1 KiB part: the second kmsg_dump() re-initialises
        // the iterator the first dump is still reading (before it waits for buf_lock), so the first dump's next
        // part starts again from the youngest record: its parts repeat each other.
        var hocon = Scenario("panic=1", "kdump.loaded = false\n dumpers = [efi-pstore]",
            "{ at = 1ms, cpu = 0, event = oops }, { at = [1ms, 3ms], cpu = 1, event = oops }", tail: "timing { console-ns-per-char = 0ns }");
        static bool Repeats(RunResult r) => r.Nvram.Where(n => n.Intact && n.Text.StartsWith("Oops#1 Part", StringComparison.Ordinal))
            .Count(n => n.Text.Contains("Oops: 0002 [#1]", StringComparison.Ordinal)) > 1;
        Assert.Contains(Runs(Inline(hocon, "linux-4.10"), 100), Repeats);
        Assert.DoesNotContain(Runs(Inline(hocon, "linux-6.x"), 100), Repeats);
    }

    // ---- B4: entry points ----

    [Fact]
    public void B4_an_oops_in_interrupt_context_kdumps_through_in_interrupt_and_otherwise_panics_with_fatal_exception_in_interrupt()
    {
        var kdump = Scenario("panic=1 crashkernel=128M", "kdump.loaded = true\n dumpers = []", "{ at = 1ms, cpu = 0, event = oops, context = irq }");
        foreach (var design in All)
            Assert.Equal(Outcome.VmcoreCaptured, Run(Inline(kdump, design)).Outcome);
        // The same oops in a task, without oops=panic, only kills the task.
        Assert.Equal(Outcome.Survived, Run(Inline(kdump.Replace(", context = irq", ""), "linux-6.x")).Outcome);
        var nmi = Run(Inline(Scenario("panic=1", "kdump.loaded = false\n dumpers = []", "{ at = 1ms, cpu = 0, event = oops, context = nmi }"), "linux-4.10"));
        Assert.Equal(Outcome.Rebooted, nmi.Outcome);
        Assert.True(Said(nmi, "panic: Fatal exception in interrupt"));
        Assert.Contains("Oops", Assert.Throws<ActorCrash.Config.ScenarioException>(() =>
            Inline(Scenario("panic=1", "kdump.loaded = false", "{ at = 1ms, cpu = 0, event = panic, context = irq }"), "linux-6.x")).Message.Replace("oops", "Oops"));
    }

    [Theory]
    [InlineData("unknown-nmi", "unknown_nmi_panic", "", "NMI: Not continuing")]
    [InlineData("unknown-nmi", "", "kernel.panic_on_unrecovered_nmi=1", "NMI: Not continuing")]
    [InlineData("io-check-nmi", "", "kernel.panic_on_io_nmi=1", "NMI IOCK error: Not continuing")]
    [InlineData("soft-lockup", "softlockup_panic=1", "", "softlockup: hung tasks")]
    [InlineData("hung-task", "hung_task_panic=1", "", "hung_task: blocked tasks")]
    [InlineData("warn", "panic_on_warn", "", "panic_on_warn set ...")]
    public void B4_each_detector_panics_only_with_its_knob(string evt, string cmdline, string sysctl, string panic)
    {
        var hocon = Scenario($"panic=1 {cmdline}".Trim(), "kdump.loaded = false\n dumpers = []", $"{{ at = 1ms, cpu = 0, event = {evt} }}",
            tail: $"sysctl = \"{sysctl}\"");
        var on = Run(Inline(hocon, "linux-6.x"));
        Assert.Equal(Outcome.Rebooted, on.Outcome);
        Assert.True(Said(on, $"panic: {panic}"));
        var off = Run(Inline(Scenario("panic=1", "kdump.loaded = false\n dumpers = []", $"{{ at = 1ms, cpu = 0, event = {evt} }}"), "linux-6.x"));
        Assert.Equal(Outcome.Survived, off.Outcome);
    }

    [Fact]
    public void B4_sysrq_c_panics_directly_from_5_0_and_before_forces_panic_on_oops_and_oopses_so_kdump_runs_from_the_oops_path()
    {
        var hocon = Scenario("panic=1 crashkernel=128M", "kdump.loaded = true\n dumpers = []", "{ at = 1ms, cpu = 0, event = sysrq-c }");
        var r6 = Run(Inline(hocon, "linux-6.x"));
        Assert.Equal(Outcome.VmcoreCaptured, r6.Outcome);
        Assert.True(Said(r6, "panic: sysrq triggered crash"));
        var r2 = Run(Inline(hocon, "linux-2.6.38"));
        Assert.Equal(Outcome.VmcoreCaptured, r2.Outcome);
        Assert.True(Said(r2, "oops: Oops"));
        Assert.False(Said(r2, "panic:"));   // crash_kexec straight from oops_end, before panic()
    }

    [Fact]
    public void B4_orderly_reboot_halt_and_poweroff_dump_with_their_reasons_where_the_dumper_takes_them()
    {
        var ramoops = "kdump.loaded = false\n dumpers = [ramoops]\n ramoops { era = pstore, max_reason = 4 }";
        var reboot = Run(Inline(Scenario("panic=1", ramoops, "{ at = 1ms, cpu = 0, event = reboot }"), "linux-6.x"));
        Assert.Equal(Outcome.Rebooted, reboot.Outcome);
        Assert.StartsWith("Shutdown#1 Part1", Assert.Single(reboot.Nvram, n => n.Name.StartsWith("dmesg-", StringComparison.Ordinal)).Text, StringComparison.Ordinal);
        var halt = Run(Inline(Scenario("panic=1", ramoops, "{ at = 1ms, cpu = 0, event = halt }"), "linux-6.x"));
        Assert.Equal(Outcome.Halted, halt.Outcome);
        Assert.Contains("kernel_halt", halt.Reason);
        var off = Run(Inline(Scenario("panic=1", ramoops, "{ at = 1ms, cpu = 0, event = poweroff }"), "linux-6.x"));
        Assert.Equal(Outcome.Halted, off.Outcome);
        Assert.Contains("kernel_power_off", off.Reason);
        // The default max_reason (OOPS) filters the orderly reasons out; 2.6.38's ramoops refuses them itself.
        Assert.DoesNotContain(Run(Inline(Scenario("panic=1", "kdump.loaded = false\n dumpers = [ramoops]\n ramoops.era = pstore", "{ at = 1ms, cpu = 0, event = reboot }"), "linux-6.x")).Nvram,
            n => n.Name.StartsWith("dmesg-", StringComparison.Ordinal));
        var old = Run(Inline(Scenario("panic=1", NoKdumpRamoops, "{ at = 1ms, cpu = 0, event = reboot }"), "linux-2.6.38"));
        Assert.True(Said(old, "kmsg_dump(KMSG_DUMP_RESTART)"));
        Assert.Empty(old.Nvram);
    }

    // ---- B6: kernel text per era ----

    [Fact]
    public void B6_each_era_prints_its_own_banner_stack_header_trace_oops_line_end_marker_and_hard_lockup_wording()
    {
        var hocon = Scenario("panic=0 nmi_watchdog=panic", "kdump.loaded = false\n dumpers = []", "{ at = 1ms, cpu = 0, event = nmi-watchdog }",
            tail: "timing { console-ns-per-char = 0ns }\nlimits.virtual-time = 5s");
        string Text(RunResult r) => string.Join("\n", r.Console.Select(l => l.Text));
        var old = Text(Run(Inline(hocon, "linux-2.6.38")));
        Assert.Contains("Linux version 2.6.38 (gcc version 4.5.2)", new Machine(Inline(hocon, "linux-2.6.38")).Kernel.Log.Line(0));
        Assert.Contains("Pid: 1, comm: init Not tainted 2.6.38 #1", old);
        Assert.Contains(" [<ffffffff814c9a0d>] panic+0x91/0x1a1", old);
        Assert.Contains("Kernel panic - not syncing: Watchdog detected hard LOCKUP on cpu 0", old);
        Assert.DoesNotContain("---[ end Kernel panic", old);
        var v4 = Text(Run(Inline(hocon, "linux-4.10")));
        Assert.Contains("CPU: 0 PID: 1 Comm: init Not tainted 4.10.0 #1", v4);
        Assert.Contains("Hardware name:", v4);
        Assert.Contains("NMI watchdog: Watchdog detected hard LOCKUP on cpu 0", v4);
        Assert.Contains("Kernel panic - not syncing: Hard LOCKUP", v4);
        Assert.Contains("Kernel Offset: 0x", v4);
        // The NMI panic's end marker stays in 4.10's NMI buffer (printed after the last flush); a task's panic prints it.
        Assert.DoesNotContain("---[ end Kernel panic", v4);
        Assert.Contains("---[ end Kernel panic - not syncing: Fatal exception", Text(Run(Inline(hocon.Replace("event = nmi-watchdog", "event = panic"), "linux-4.10"))));
        var v6 = Text(Run(Inline(hocon, "linux-6.x")));
        Assert.Contains("Linux version 6.12.0", new Machine(Inline(hocon, "linux-6.x")).Kernel.Log.Line(0));
        Assert.Contains(" <TASK>", v6);
        Assert.Contains(" dump_stack_lvl+0x44/0x5c", v6);
        Assert.Contains("---[ end Kernel panic - not syncing: Hard LOCKUP ]---", v6);
        var oops = Text(Run(Inline(Scenario("panic=1", "kdump.loaded = false\n dumpers = []", "{ at = 1ms, cpu = 0, event = oops }"), "linux-6.x")));
        Assert.Contains("Oops: 0002 [#1] PREEMPT SMP NOPTI", oops);   // as a real 6.1 kernel prints it
        Assert.Contains("RIP: 0010:crash_init+0x21/0x30 [crash]", oops);
    }

    // ---- B5: LKDTM crash types ----

    [Fact]
    public void B5_lkdtm_panic_stop_irqoff_needs_the_nmi_stop_2_6_38_leaves_the_other_cpus_running_and_3_12_stops_them()
    {
        var hocon = Scenario("panic=1", "kdump.loaded = false\n dumpers = []", "{ at = 1ms, cpu = 0, event = lkdtm, type = PANIC_STOP_IRQOFF }", cpuCount: 4);
        var old = Run(Inline(hocon, "linux-2.6.38"));
        Assert.True(Said(old, "panic: panic stop irqoff test"));
        Assert.True(Said(old, "smp_send_stop: 3 CPU(s) still online after 1 s"));
        var r = Run(Inline(hocon, "linux-3.12"));
        Assert.All(new[] { 1, 2, 3 }, c => Assert.Equal(CpuFate.StoppedByNmi, Cpu(r, c).Fate));
    }

    [Theory]
    [InlineData("PANIC", "", "panic: dumptest")]
    [InlineData("BUG", "oops=panic", "oops: invalid opcode")]
    [InlineData("EXCEPTION", "oops=panic", "oops: Oops")]
    [InlineData("WARNING", "panic_on_warn", "WARNING: drivers/misc/lkdtm/bugs.c")]
    [InlineData("HARDLOCKUP", "nmi_watchdog=panic", "panic: Hard LOCKUP")]
    [InlineData("SOFTLOCKUP", "softlockup_panic=1", "panic: softlockup: hung tasks")]
    [InlineData("SPINLOCKUP", "softlockup_panic=1", "soft lockup detected")]
    [InlineData("HUNG_TASK", "hung_task_panic=1", "panic: hung_task: blocked tasks")]
    public void B5_each_lkdtm_type_does_what_the_kernel_does(string type, string cmdline, string milestone)
    {
        var r = Run(Inline(Scenario($"panic=1 {cmdline}".Trim(), "kdump.loaded = false\n dumpers = []", $"{{ at = 1ms, cpu = 0, event = lkdtm, type = {type} }}",
            tail: "limits.virtual-time = 10m"), "linux-6.x"));
        Assert.True(Said(r, milestone), Describe(r));
        Assert.Equal(Outcome.Rebooted, r.Outcome);
    }

    [Fact]
    public void B5_an_lkdtm_type_the_emulator_does_not_map_is_an_error_listing_the_ones_it_does()
    {
        var e = Assert.Throws<ActorCrash.Config.ScenarioException>(() =>
            Inline(Scenario("panic=1", "kdump.loaded = false", "{ at = 1ms, cpu = 0, event = lkdtm, type = CORRUPT_STACK }"), "linux-6.x"));
        Assert.Contains("triggers[0].type", e.Message);
        Assert.Contains("PANIC_STOP_IRQOFF", e.Message);
    }

    // ---- B7: kconfig switches; anachronisms name the first kernel ----

    [Fact]
    public void B7_pstore_console_and_pmsg_are_kconfig_switches_and_an_option_the_era_lacks_names_the_first_kernel()
    {
        var ramoops = "kdump.loaded = false\n dumpers = [ramoops]\n ramoops { era = pstore, pmsg = [\"Testing pstore: uuid=1\"] }";
        var with = Run(Inline(Scenario("panic=1", ramoops, Panic0), "linux-6.x"));
        Assert.NotNull(with.File("console-ramoops-0"));
        Assert.NotNull(with.File("pmsg-ramoops-0"));
        var without = Run(Inline(Scenario("panic=1", ramoops, Panic0, tail: "kconfig = \"CONFIG_PSTORE_CONSOLE=n CONFIG_PSTORE_PMSG=n\""), "linux-6.x"));
        Assert.Null(without.File("console-ramoops-0"));
        Assert.Null(without.File("pmsg-ramoops-0"));
        Assert.NotNull(without.File("dmesg-ramoops-0"));
        var e = Assert.Throws<ActorCrash.Config.ScenarioException>(() =>
            Inline(Scenario("panic=1", "kdump.loaded = false", Panic0, tail: "kconfig = \"CONFIG_PSTORE_PMSG=y\""), "linux-3.12"));
        Assert.Contains("first appeared in Linux 4.1", e.Message);
        var warn = Assert.Throws<ActorCrash.Config.ScenarioException>(() => Inline(Scenario("panic=1 panic_on_warn", "kdump.loaded = false", Panic0), "linux-3.12"));
        Assert.Contains("first appeared in Linux 3.19", warn.Message);
    }

    // ---- B8: /proc/cmdline as pasted ----

    [Fact]
    public void B8_real_parameters_the_emulator_does_not_model_are_accepted_and_listed_and_a_misspelt_one_is_still_an_error()
    {
        var pasted = "BOOT_IMAGE=/boot/vmlinuz-6.1.0-57-amd64 root=UUID=1234 ro quiet console=ttyS0,115200 loglevel=7 panic=1";
        var r = Run(Inline(Scenario(pasted, "kdump.loaded = false\n dumpers = []", Panic0), "linux-6.x"));
        Assert.Equal(Outcome.Rebooted, r.Outcome);   // panic=1 still applies
        Assert.Equal(["BOOT_IMAGE=/boot/vmlinuz-6.1.0-57-amd64", "root=UUID=1234", "ro", "quiet", "console=ttyS0,115200", "loglevel=7"], r.NotModelled);
        var text = new StringWriter();
        ActorCrash.Cli.Output.TextOutput.Write(r, Inline(Scenario(pasted, "kdump.loaded = false\n dumpers = []", Panic0), "linux-6.x"), false, text);
        Assert.Contains("kernel parameters accepted but not modelled: BOOT_IMAGE=", text.ToString());
        var e = Assert.Throws<ActorCrash.Config.ScenarioException>(() => Inline(Scenario("panic=1 consol=ttyS0", "kdump.loaded = false", Panic0), "linux-6.x"));
        Assert.Contains("did you mean console?", e.Message);
    }
}
