using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using ActorCrash.Tests.Dumpers;
using Xunit;
using static ActorCrash.Tests.Designs.Kit;

namespace ActorCrash.Tests.Fidelity;

/// <summary>
/// Issue 11, part A: the corrections of the domain reference, each shown under the design that has
/// the mechanism and shown absent under one that does not. Every test here failed before its fix.
/// </summary>
public class CorrectionTests
{
    /// <summary>A two-or-more-CPU scenario written in the test (both fidelity test classes use it).</summary>
    internal static string Machine(int cpus, string machine, string cmdline, string cpuEntries, string triggers, string tail = "") => $$"""
        name = "correction"
        cmdline = "{{cmdline}}"
        machine { cpus = {{cpus}}
          {{machine}} }
        cpus = [ {{cpuEntries}} ]
        triggers = [ {{triggers}} ]
        {{tail}}
        """;

    internal const string Panic0 = "{ at = 1ms, cpu = 0, event = panic, message = \"Fatal exception\" }";

    internal static bool Said(RunResult r, string text) => r.Milestones.Any(m => m.What.Contains(text, StringComparison.Ordinal));

    // ---- A1: 2.6.38 ramoops takes no mutex; fixed 4096-byte records; max_count = mem_size / 4096 ----

    [Fact]
    public void A1_2_6_38_ramoops_has_no_lock_so_an_oops_and_a_panic_can_pick_the_same_slot_and_the_pstore_era_never_does()
    {
        var hocon = Machine(2, "kdump.loaded = false\n dumpers = [ramoops]\n ramoops { mem_size = 12K, dump_oops = 1 }", "panic=1", "",
            Panic0 + ", { at = 1ms, cpu = 1, event = oops }", "timing { console-ns-per-char = 0ns }");
        var old = Inline(hocon, "linux-2.6.38");
        var machine = new Machine(old);
        var ramoops = Assert.IsType<Ramoops>(machine.Kernel.DumpList[0]);
        Assert.Equal((4096, 3), (ramoops.RecordSize, ramoops.MaxCount));   // 12K / RECORD_SIZE; rounddown_pow_of_two(12K) is discarded

        var sameSlot = Runs(old, 300).Count(r =>
            r.Milestones.Where(m => m.What.StartsWith("ramoops: record ", StringComparison.Ordinal)).Select(m => (m.Cpu, Slot: m.What[..17])).ToList()
                is [var a, var b] && a.Cpu != b.Cpu && a.Slot == b.Slot);
        Assert.True(sameSlot > 0, "no seed had the OOPS and the PANIC dump race on cxt->count");

        // Today's pstore: buf_lock orders the dumps, and each takes the next dmesg zone (24K: four zones of 4K plus console and pmsg).
        foreach (var r in Runs(Inline(hocon.Replace("mem_size = 12K", "mem_size = 24K"), "linux-6.x"), 300))
            Assert.All(r.Milestones.Where(m => m.What.StartsWith("ramoops: dmesg-ramoops-", StringComparison.Ordinal)).GroupBy(m => m.What[..25]),
                g => Assert.Single(g));
    }

    [Fact]
    public void A1_the_2_6_38_driver_rejects_a_record_size_it_does_not_have()
    {
        var e = Assert.Throws<ActorCrash.Config.ScenarioException>(() =>
            Inline(Machine(2, "kdump.loaded = false\n dumpers = [ramoops]\n ramoops { record_size = 8192 }", "panic=1", "", Panic0), "linux-2.6.38"));
        Assert.Contains("fixed RECORD_SIZE of 4096", e.Message);
    }

    // ---- A2: 3.12 already zaps ioapic_lock in the crash path ----

    [Fact]
    public void A2_a_stopped_ioapic_lock_holder_hangs_2_6_38_kdump_and_3_12_zaps_the_lock()
    {
        var hocon = Machine(2, "kdump.loaded = true\n dumpers = []", "panic=10 crashkernel=128M",
            "{ cpu = 1, activity = spin, irqs = off, holding = [ioapic_lock] }", Panic0);
        foreach (var r in Runs(Inline(hocon, "linux-2.6.38"), 20))
        {
            Assert.Equal(Outcome.Hung, r.Outcome);
            Assert.Contains("ioapic_lock", Cpu(r, 0).Doing);
        }
        Assert.All(Runs(Inline(hocon, "linux-3.12"), 20), r => Assert.Equal(Outcome.VmcoreCaptured, r.Outcome));
    }

    // ---- A3: 4.7–5.x printk in NMI context goes to per-CPU buffers ----

    [Fact]
    public void A3_a_hard_lockup_panic_under_4_10_prints_into_the_nmi_buffer_and_never_spins_on_a_wedged_logbuf_lock()
    {
        var hocon = Machine(2, "kdump.loaded = false\n dumpers = []", "panic=1 nmi_watchdog=panic",
            "{ cpu = 1, activity = spin, irqs = off, holding = [logbuf_lock] }", "{ at = 1ms, cpu = 0, event = nmi-watchdog }");
        foreach (var r in Runs(Inline(hocon, "linux-4.10"), 20))
        {
            Assert.Equal(Outcome.Rebooted, r.Outcome);
            // The NMI stop took cpu1 offline; printk_nmi_flush_on_panic re-initialised the lock and copied the buffer.
            Assert.True(Said(r, "printk_nmi_flush_on_panic: logbuf_lock re-initialised"));
            Assert.Contains(r.Console, l => l.Text.Contains("Kernel panic - not syncing: Hard LOCKUP", StringComparison.Ordinal));
        }
        foreach (var r in Runs(Inline(hocon, "linux-3.12"), 20))
        {
            Assert.Equal(Outcome.Hung, r.Outcome);
            Assert.Contains("spinning on logbuf_lock held by cpu1", Cpu(r, 0).Doing);
        }
    }

    // ---- A4: 6.x legacy consoles print at once in a panic unless an nbcon console is registered ----

    private static string ConsoleScenario(string extraMachine = "", string trigger = Panic0) =>
        Machine(2, "kdump.loaded = true\n dumpers = [ramoops]\n ramoops.era = pstore\n " + extraMachine, "panic=10 crashkernel=128M nmi_watchdog=panic", "", trigger);

    [Fact]
    public void A4_with_kdump_loaded_the_6_x_panic_line_reaches_the_serial_and_pstore_consoles_before_kexec()
    {
        foreach (var r in Runs(Inline(ConsoleScenario(), "linux-6.x"), 20))
        {
            Assert.Equal(Outcome.VmcoreCaptured, r.Outcome);
            var kexec = r.Milestones.First(m => m.What.StartsWith("machine_kexec", StringComparison.Ordinal)).TimeNs;
            var line = Assert.Single(r.Console, l => l.Text.Contains("Kernel panic - not syncing: Fatal exception", StringComparison.Ordinal));
            Assert.True(line.TimeNs < kexec);
            Assert.Contains(r.Console, l => l.Text.Contains("Call Trace", StringComparison.Ordinal) && l.TimeNs < kexec);
            Assert.Contains("Kernel panic - not syncing", r.File("console-ramoops-0")!.Text);
        }
    }

    [Fact]
    public void A4_an_nbcon_console_or_nmi_context_holds_the_legacy_consoles_back_until_after_the_stop_so_kexec_comes_first()
    {
        foreach (var spec in new[] { Inline(ConsoleScenario("console.nbcon = true"), "linux-6.x"),
                     Inline(ConsoleScenario(trigger: "{ at = 1ms, cpu = 0, event = nmi-watchdog }"), "linux-6.x") })
            foreach (var r in Runs(spec, 20))
            {
                Assert.Equal(Outcome.VmcoreCaptured, r.Outcome);
                Assert.DoesNotContain(r.Console, l => l.Text.Contains("Kernel panic", StringComparison.Ordinal));
            }
        var e = Assert.Throws<ActorCrash.Config.ScenarioException>(() => Inline(ConsoleScenario("console.nbcon = true"), "linux-4.10"));
        Assert.Contains("nbcon", e.Message);
    }

    // ---- A5: console_flush_on_panic: 4.10 unlocks whatever the trylock said; 6.x ignores the lock ----

    [Fact]
    public void A5_4_10_console_flush_on_panic_ups_a_console_sem_a_stopped_cpu_holds_and_6_x_leaves_it_held()
    {
        var hocon = Machine(2, "kdump.loaded = false\n dumpers = []", "panic=1", "{ cpu = 1, activity = spin, irqs = off, holding = [console_sem] }", Panic0);
        foreach (var r in Runs(Inline(hocon, "linux-4.10"), 10))
        {
            Assert.Equal(Outcome.Rebooted, r.Outcome);
            Assert.DoesNotContain(r.LocksHeld, l => l.Lock == "console_sem");
            Assert.Contains(r.Console, l => l.Text.Contains("Kernel panic", StringComparison.Ordinal));
        }
        foreach (var r in Runs(Inline(hocon, "linux-6.x"), 10))
        {
            Assert.Equal(Outcome.Rebooted, r.Outcome);
            Assert.Contains(r.LocksHeld, l => l is { Lock: "console_sem", Cpu: 1 });
            Assert.Contains(r.Console, l => l.Text.Contains("Kernel panic", StringComparison.Ordinal));
        }
    }

    // ---- A6: pstore/ramoops by era ----

    private static string Ramoops(string ramoops, string cmdline = "panic=1", string cpus = "", string triggers = Panic0, string tail = "") =>
        Machine(2, "kdump.loaded = false\n dumpers = [ramoops]\n ramoops { era = pstore\n " + ramoops + " }", cmdline, cpus, triggers, tail);

    [Fact]
    public void A6_6_x_ramoops_stores_every_reason_max_reason_lets_through_and_4_10_ramoops_refuses_emerg()
    {
        var sysrq = "{ at = 1ms, cpu = 0, event = sysrq-b }";
        var r6 = Run(Inline(Ramoops("max_reason = 3", triggers: sysrq), "linux-6.x"));
        Assert.Equal(Outcome.Rebooted, r6.Outcome);
        var emergency = Assert.Single(r6.Nvram, n => n.Name.StartsWith("dmesg-ramoops-", StringComparison.Ordinal));
        Assert.StartsWith("Emergency#1 Part1", emergency.Text, StringComparison.Ordinal);   // as a real 6.1 kernel writes on SysRq-b

        // 4.10 has no ramoops.max_reason (≈5.8); printk.always_kmsg_dump hands EMERG to the dumper, which ramoops refuses.
        var r4 = Run(Inline(Ramoops("", "panic=1 printk.always_kmsg_dump", triggers: sysrq), "linux-4.10"));
        Assert.Equal(Outcome.Rebooted, r4.Outcome);
        Assert.DoesNotContain(r4.Nvram, n => n.Name.StartsWith("dmesg-ramoops-", StringComparison.Ordinal));
        var e = Assert.Throws<ActorCrash.Config.ScenarioException>(() => Inline(Ramoops("max_reason = 3", triggers: sysrq), "linux-4.10"));
        Assert.Contains("ramoops.max_reason parameter first appeared in Linux 5.8", e.Message);
    }

    [Fact]
    public void A6_4_10_takes_the_record_time_from_a_seqcount_a_stopped_timekeeper_wedges_and_6_x_never_waits()
    {
        var hocon = Ramoops("", "panic=1 crash_kexec_post_notifiers",
            "{ cpu = 1, activity = timekeeping, period = 3us, hold = 3us }");
        var hung = Runs(Inline(hocon, "linux-4.10"), 100).Where(r => r.Outcome == Outcome.Hung).ToArray();
        Assert.NotEmpty(hung);   // crash_smp_send_stop's NMI caught the tick inside write_seqcount
        Assert.All(hung, r => Assert.Contains("xtime_lock", Cpu(r, 0).Doing));
        Assert.All(Runs(Inline(hocon.Replace(" crash_kexec_post_notifiers", " crash_kexec_post_notifiers=y"), "linux-6.x"), 100),
            r => Assert.Equal(Outcome.Rebooted, r.Outcome));
        // The header: "%lu.%lu" in 4.10, "%lld.%06lu" today.
        var r4 = Run(Inline(Ramoops(""), "linux-4.10"));
        var r6 = Run(Inline(Ramoops(""), "linux-6.x"));
        Assert.Matches(@"^\d{10}\.\d{1,6}$", r4.File("dmesg-ramoops-0")!.Timestamp);
        Assert.Matches(@"^\d{10}\.\d{6}$", r6.File("dmesg-ramoops-0")!.Timestamp);
    }

    [Fact]
    public void A6_a_held_buf_lock_3_12_dumps_anyway_4_10_gives_up_and_6_x_skips_with_its_own_message()
    {
        var hocon = Ramoops("", cpus: "{ cpu = 1, activity = spin, irqs = off, holding = [pstore_buf_lock] }");
        var r3 = Run(Inline(hocon, "linux-3.12"));
        Assert.True(Said(r3, "pstore dump routine blocked in Panic path, may corrupt error record"));
        Assert.NotNull(r3.File("dmesg-ramoops-0"));
        var r4 = Run(Inline(hocon, "linux-4.10"));
        Assert.True(Said(r4, "pstore dump routine blocked in Panic path, may corrupt error record"));
        Assert.Null(r4.File("dmesg-ramoops-0"));
        var r6 = Run(Inline(hocon, "linux-6.x"));
        Assert.True(Said(r6, "pstore: dump skipped in Panic path because of concurrent dump"));
        Assert.Null(r6.File("dmesg-ramoops-0"));
        // 3.12 and 4.10's pstore console takes buf_lock too: the trylock while the oops is in progress
        // fails, and the panic line never reaches console-ramoops-0; 6.x's console does not take it.
        Assert.DoesNotContain("Kernel panic", r4.File("console-ramoops-0")?.Text ?? "");
        Assert.Contains("Kernel panic", r6.File("console-ramoops-0")!.Text);
    }

    [Fact]
    public void A6_6_x_takes_the_zone_buffer_lock_a_stopped_cpu_left_held_and_the_panic_cpus_pstore_console_spins_where_4_10_has_no_such_lock()
    {
        var hocon = Ramoops("", cpus: "{ cpu = 1, activity = spin, irqs = off, holding = [console-ramoops-0.buffer_lock] }");
        var r6 = Run(Inline(hocon, "linux-6.x"));
        Assert.Equal(Outcome.Hung, r6.Outcome);
        Assert.Contains("console-ramoops-0.buffer_lock", Cpu(r6, 0).Doing);
        Assert.Equal(Outcome.Rebooted, Run(Inline(hocon, "linux-4.10")).Outcome);
        var e = Assert.Throws<ActorCrash.Config.ScenarioException>(() => Inline(hocon.Replace("era = pstore", "era = pstore, console_size = 0"), "linux-6.x"));
        Assert.Contains("needs that ramoops zone", e.Message);
    }

    [Fact]
    public void A6_compressed_records_carry_a_C_header_and_more_log_and_dmesg_records_carry_syslog_prefixes()
    {
        var plain = Run(Inline(Ramoops(""), "linux-6.x"));
        var zipped = Run(Inline(Ramoops("") + "\nkconfig = \"CONFIG_PSTORE_COMPRESS=y\"", "linux-6.x"));
        var p = plain.File("dmesg-ramoops-0")!;
        var z = zipped.File("dmesg-ramoops-0")!;
        Assert.Contains("<0>[", p.Text);   // kmsg_dump_get_buffer(syslog = true): "<0>[    0.001000] Kernel panic - not syncing"
        Assert.Contains("<0>[", z.Text);
        Assert.Contains("Kernel panic - not syncing", z.Text);
        Assert.Equal(RecordState.Intact, z.State);
        Assert.True(z.IntendedBytes < z.Text.Length, "the stored record is smaller than the text it inflates to");
        var e = Assert.Throws<ActorCrash.Config.ScenarioException>(() =>
            Inline(Machine(2, "kdump.loaded = false", "panic=1", "", Panic0) + "\nkconfig = \"CONFIG_PSTORE_COMPRESS=y\"", "linux-2.6.38"));
        Assert.Contains("first appeared in Linux 3.11", e.Message);
    }

    // ---- A7: mtdoops ----

    private static string Mtd(string mtdoops, string cpus = "", string mtd = "") =>
        Machine(2, "kdump.loaded = false\n dumpers = [mtdoops]\n mtdoops { era = auto\n " + mtdoops + " }\n mtd { size = 8K, erasesize = 4K\n " + mtd + " }",
            "panic=1", cpus, Panic0);

    [Fact]
    public void A7_6_x_mtdoops_erases_the_next_used_block_inside_the_panic_and_4_10_leaves_it_to_a_work_that_never_runs()
    {
        var r6 = Run(Inline(Mtd("prior-records = 1"), "linux-6.x"));
        Assert.Equal(Outcome.Rebooted, r6.Outcome);
        InOrder(r6, "mtdoops: page 1 written", "mtdoops: page 0 used, erasing its block in the panic", "mtdoops: erase done in the panic", "emergency_restart");
        Assert.True(r6.EndTimeNs > 1_400 * Ms);   // panic=1 plus the 400 ms erase on the panic CPU
        Assert.Contains("(no erase)", r6.Storage("mtdoops").NextBootLog.Last());   // the next boot finds block 0 erased

        var r4 = Run(Inline(Mtd("prior-records = 1"), "linux-4.10"));
        Assert.False(Said(r4, "erasing its block in the panic"));
        Assert.True(Said(r4, "schedule_work(mtdoops work_erase)"));
        Assert.Contains("work_erase erases block 0 first", r4.Storage("mtdoops").NextBootLog.Last());
    }

    [Fact]
    public void A7_erases_that_fail_inside_the_panic_mark_blocks_bad_and_cost_the_panic_cpu_their_time_where_4_10_reboots_on_time()
    {
        // Two one-page blocks; the earlier boot's record in page 0; the flash fails every store right after the panic write.
        var hocon = Machine(2, "kdump.loaded = false\n dumpers = [mtdoops]\n mtdoops { era = auto, prior-records = 1 }\n mtd { size = 8K, erasesize = 4K }\n" +
            " faults = [ { at = 37690us, device = mtd, fault = write-error } ]", "panic=1", "", Panic0);
        var r = Run(Inline(hocon, "linux-6.x"));
        Assert.Equal(Outcome.Rebooted, r.Outcome);
        InOrder(r, "mtdoops: page 0 used, erasing its block in the panic", "mtdoops: bad block at 00000000", "mtdoops: all blocks bad!", "mtdoops: erase done in the panic", "emergency_restart");
        Assert.True(r.EndTimeNs > 3 * S, "six failed 400 ms erases ran on the panic CPU before the panic=1 countdown");
        var r4 = Run(Inline(hocon, "linux-4.10"));
        Assert.InRange(r4.EndTimeNs, 1 * S, 1200 * Ms);
        Assert.False(Said(r4, "bad block"));
    }

    [Fact]
    public void A7_4_10_schedules_work_write_after_the_panic_write_and_spins_on_a_held_pool_lock_where_6_x_and_2_6_38_reboot()
    {
        var hocon = Mtd("", "{ cpu = 1, activity = spin, irqs = off, holding = [workqueue_pool_lock] }");
        var r4 = Run(Inline(hocon, "linux-4.10"));
        Assert.Equal(Outcome.Hung, r4.Outcome);
        Assert.Contains("workqueue_pool_lock", Cpu(r4, 0).Doing);
        Assert.True(Said(r4, "mtdoops: page 0 written"));
        Assert.Equal(Outcome.Rebooted, Run(Inline(hocon, "linux-6.x")).Outcome);
        Assert.Equal(Outcome.Rebooted, Run(Inline(hocon, "linux-2.6.38")).Outcome);
    }

    // ---- A8: efi-pstore ----

    private static string Efi(string cmdline, string trigger, string cpus = "") =>
        Machine(2, "kdump.loaded = false\n dumpers = [efi-pstore]", cmdline, cpus, trigger);

    [Fact]
    public void A8_efi_pstore_has_no_max_reason_of_its_own_so_always_kmsg_dump_writes_emerg_into_the_firmware()
    {
        var sysrq = "{ at = 1ms, cpu = 0, event = sysrq-b }";
        var with = Run(Inline(Efi("panic=1 printk.always_kmsg_dump", sysrq), "linux-6.x"));
        Assert.Contains(with.Nvram, n => n.Reason == KmsgDumpReason.Emerg && n.Intact && n.Text.StartsWith("Emergency#1 Part1", StringComparison.Ordinal));
        var without = Run(Inline(Efi("panic=1", sysrq), "linux-6.x"));
        Assert.Empty(without.Nvram);
    }

    [Fact]
    public void A8_6_x_trylocks_efivars_lock_queries_the_firmware_first_and_names_its_files_efi_pstore()
    {
        var held = "{ cpu = 1, activity = spin, irqs = off, holding = [efivars_lock] }";
        var r6 = Run(Inline(Efi("panic=1", Panic0, held), "linux-6.x"));
        Assert.All(r6.Nvram, n => Assert.Equal(RecordState.Lost, n.State));
        Assert.All(r6.Nvram, n => Assert.StartsWith("(dmesg-efi_pstore-", n.Name, StringComparison.Ordinal));
        var r4 = Run(Inline(Efi("panic=1", Panic0, held), "linux-4.10"));
        Assert.Contains(r4.Nvram, n => n.Intact && n.Name.StartsWith("dmesg-efi-", StringComparison.Ordinal));
        // query_variable_info() costs one more firmware call per part.
        var free6 = Run(Inline(Efi("panic=1", Panic0), "linux-6.x"));
        Assert.Contains(free6.Nvram, n => n.Intact && n.Name.StartsWith("dmesg-efi_pstore-", StringComparison.Ordinal));
    }

    // ---- A9: the 2011 proposals read as written ----

    [Fact]
    public void A9_vivek_2011_a_cpu_that_loses_the_shutdown_mutex_halts_unless_the_option_says_carry_on()
    {
        var halts = Runs(Load("k1-two-cpus-panic", "vivek-2011"), 100);
        Assert.Contains(halts, r => Said(r, "shutdown_mutex lost: halting"));
        Assert.All(halts, r => Assert.True(r.Milestones.Count(m => m.What == "emergency_restart") <= 1));
        Assert.All(halts.Where(r => Said(r, "shutdown_mutex lost: halting")),
            r => Assert.DoesNotContain(r.Milestones, m => m.What == "emergency_restart" && r.Milestones.Any(h => h.Cpu == m.Cpu && h.What == "shutdown_mutex lost: halting")));
        var carryOn = Runs(Load("k1-two-cpus-panic", "vivek-2011", "design-options.vivek-2011.shutdown-mutex-loser = carry-on"), 100);
        Assert.DoesNotContain(carryOn, r => Said(r, "shutdown_mutex lost: halting"));
        Assert.Contains(carryOn, r => Said(r, "shutdown_mutex busy"));
    }

    [Fact]
    public void A9_eric_2011_calls_kmsg_dump_with_interrupts_as_the_caller_had_them_unless_the_irqs_off_option_is_on()
    {
        var hocon = Machine(2, "kdump.loaded = false\n dumpers = [thirdparty]\n thirdparty { behaviour = need-irq, time = 1ms }", "panic=1", "", Panic0);
        Assert.Equal(Outcome.Rebooted, Run(Inline(hocon, "eric-2011")).Outcome);
        var off = Run(Inline(hocon + "\ndesign-options.eric-2011.irqs-off-dump = on", "eric-2011"));
        Assert.Equal(Outcome.Hung, off.Outcome);
        Assert.Contains("interrupts off", off.Reason + Cpu(off, 0).Doing);
    }

    [Theory]
    [InlineData("design-options.vivek-2011.shutdown-mutex-loser = stop", "design-options.vivek-2011.shutdown-mutex-loser", "expected one of halt, carry-on, got \"stop\"")]
    [InlineData("design-options.vivek-2011.shutdown-mutex-losr = halt", "design-options.vivek-2011.shutdown-mutex-losr", "did you mean")]
    [InlineData("design-options.eric-2011.irqs-off-dump = maybe", "design-options.eric-2011.irqs-off-dump", "expected")]
    [InlineData("machine.console.nbcon = 3", "machine.console.nbcon", "expected")]
    [InlineData("panic-notifiers = [ { behaviour = take-lock } ]", "panic-notifiers[0].lock", "expected")]
    [InlineData("panic-notifiers = [ { behaviour = slow, lock = console_sem } ]", "panic-notifiers[0].lock", "lock applies only to behaviour = take-lock")]
    [InlineData("panic-notifiers = [ { behaviour = slow, colour = red } ]", "panic-notifiers[0].colour", "")]
    public void The_new_keys_are_validated_strictly_with_file_line_and_key(string line, string key, string message)
    {
        var hocon = Machine(2, "kdump.loaded = false", "panic=1", "", Panic0) + "\n" + line;
        var e = Assert.Throws<ActorCrash.Config.ScenarioException>(() => Inline(hocon, "linux-6.x"));
        Assert.Equal(key, e.Key);
        Assert.Matches(@"^test:\d+: ", e.Message);
        Assert.Contains(message, e.Message);
    }
}
