using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using Xunit;
using static ActorCrash.Tests.Designs.Kit;

namespace ActorCrash.Tests.Designs;

/// <summary>
/// Domain reference §3, K1–K8: each known bug's scenario (scenarios/kN-*.hocon) under the design
/// that had it and the design that fixed it (for K8, what remains), over many seeds.
/// </summary>
public class KnownBugTests
{
    private static readonly string[] Fixed = ["linux-3.12", "linux-4.10", "linux-6.x"];

    // ---- K1: two CPUs panic at once and stop each other ----

    [Fact]
    public void K1_two_panicking_cpus_sometimes_stop_each_other_under_2_6_38_and_nobody_reboots()
    {
        var runs = Runs(Load("k1-two-cpus-panic", "linux-2.6.38"), 1000);
        var hung = runs.Where(r => r.Outcome == Outcome.Hung).ToArray();
        Assert.NotEmpty(hung);
        foreach (var r in hung)
        {
            // Each one's REBOOT IPI halted the other inside its own smp_send_stop() wait.
            Assert.All(new[] { 0, 1 }, c => Assert.StartsWith("halted in stop_this_cpu < native_stop_other_cpus < panic", Cpu(r, c).Doing));
            Assert.Contains("no CPU is left running the panic", r.Reason);
            Assert.False(Has(r, "emergency_restart"));
        }
        Assert.All(runs.Where(r => r.Outcome != Outcome.Hung), r => Assert.Equal(Outcome.Rebooted, r.Outcome));
    }

    [Theory]
    [InlineData("linux-3.12")]
    [InlineData("linux-4.10")]
    [InlineData("linux-6.x")]
    public void K1_with_a_single_panic_cpu_the_second_one_parks_itself_and_the_first_reboots(string design)
    {
        foreach (var r in Runs(Load("k1-two-cpus-panic", design), 300))
        {
            Assert.Equal(Outcome.Rebooted, r.Outcome);
            var restart = Assert.Single(r.Milestones, m => m.What == "emergency_restart");
            var loser = 1 - restart.Cpu;
            Assert.Contains(r.Milestones, m => m.Cpu == loser && m.What == "panic_smp_self_stop");
            // Still online and spinning with interrupts off, it is stopped by smp_send_stop's NMI.
            Assert.Equal(CpuFate.StoppedByNmi, Cpu(r, loser).Fate);
            Assert.InRange(r.EndTimeNs, 11 * S, 11 * S + 20 * Ms);  // 1 s of IPI wait, 10 ms of NMI wait at most, panic=10
        }
    }

    // ---- K2: kmsg_dump spins on logbuf_lock held by a stopped CPU ----

    [Fact]
    public void K2_an_nmi_only_stop_halts_the_log_reader_inside_logbuf_lock_and_kmsg_dump_spins_forever()
    {
        foreach (var (design, extra) in new[] { ("linux-4.10", ""), ("vivek-2011", "cmdline = \"panic=10 crashkernel=128M\"") })
        {
            var runs = Runs(Load("k2-logbuf-lock-stopped-holder", design, extra), 200);
            var hung = runs.Where(r => r.Outcome == Outcome.Hung).ToArray();
            Assert.True(hung.Length > runs.Length * 3 / 4, $"{design}: only {hung.Length} of {runs.Length} hung");
            foreach (var r in hung)
            {
                Assert.Contains("spinning on logbuf_lock held by cpu2", Cpu(r, 0).Doing);
                // 4.10 registers x86's dump_kernel_offset notifier (3.15+): its printk meets the lock first,
                // before kmsg_dump does (same verdict: hung, no dump).
                Assert.Matches("kmsg_dump|dump_kernel_offset < atomic_notifier_call_chain", Cpu(r, 0).Doing);
                Assert.Equal(CpuFate.StoppedByNmi, Cpu(r, 2).Fate);
                Assert.True(Cpu(r, 2).Online);  // crash_nmi_callback leaves it online: printk_nmi_flush_on_panic will not help
                Assert.Contains(r.LocksHeld, l => l is { Lock: "logbuf_lock", Cpu: 2, HolderFate: "StoppedByNmi" });
                Assert.False(DumpIntact(r));
            }
        }
    }

    [Fact]
    public void K2_the_lockless_ringbuffer_of_6_x_dumps_and_kexecs_on_every_seed()
    {
        foreach (var r in Runs(Load("k2-logbuf-lock-stopped-holder", "linux-6.x"), 200))
        {
            Assert.Equal(Outcome.VmcoreCaptured, r.Outcome);
            Assert.True(DumpIntact(r));
            InOrder(r, "nmi_shootdown_cpus: all other CPUs halted", "kmsg_dump(KMSG_DUMP_PANIC)", "machine_kexec");
        }
    }

    [Theory]
    [InlineData("linux-3.12")]
    [InlineData("linux-4.10")]
    public void K2_the_reboot_vector_sync_point_lets_the_reader_leave_logbuf_lock_before_it_stops(string design)
    {
        // Without crash_kexec_post_notifiers kdump comes first and the reader is never NMI'd inside the lock.
        Assert.All(Runs(Load("k2-logbuf-lock-stopped-holder", design, "cmdline = \"panic=10 crashkernel=128M\""), 100),
            r => Assert.Equal(Outcome.VmcoreCaptured, r.Outcome));
    }

    // ---- K3: a dumper that hangs blocks kdump ----

    [Theory]
    [InlineData("linux-2.6.38")]
    [InlineData("vivek-2011")]
    public void K3_the_dump_before_kexec_spins_on_the_wedged_timekeepers_xtime_lock_and_kdump_never_comes(string design)
    {
        foreach (var r in Runs(Load("k3-dumper-blocks-kdump", design), 100))
        {
            Assert.Equal(Outcome.Hung, r.Outcome);
            Assert.Contains("retrying a read of xtime_lock, writer cpu1", Cpu(r, 0).Doing);
            Assert.Contains("ramoops_do_dump < kmsg_dump", Cpu(r, 0).Doing);
            Assert.True(Has(r, "KMSG_DUMP_KEXEC"));
            Assert.False(Has(r, "machine_kexec"));
        }
    }

    [Theory]
    [InlineData("eric-2011")]
    [InlineData("linux-3.12")]
    [InlineData("linux-4.10")]
    [InlineData("linux-6.x")]
    public void K3_without_a_dump_inside_crash_kexec_the_vmcore_is_saved(string design)
    {
        foreach (var r in Runs(Load("k3-dumper-blocks-kdump", design), 100))
        {
            Assert.Equal(Outcome.VmcoreCaptured, r.Outcome);
            Assert.False(Has(r, "kmsg_dump"));
        }
    }

    [Theory]
    [InlineData("linux-4.10")]
    [InlineData("linux-6.x")]
    public void K3_comes_back_with_crash_kexec_post_notifiers(string design)
    {
        foreach (var r in Runs(Load("k3-dumper-blocks-kdump", design, "cmdline = \"panic=10 crashkernel=128M crash_kexec_post_notifiers\""), 50))
        {
            Assert.Equal(Outcome.Hung, r.Outcome);
            Assert.Contains("xtime_lock", Cpu(r, 0).Doing);
            Assert.False(Has(r, "machine_kexec"));
        }
    }

    // ---- K4: kmsg_dump in emergency_restart blocks the reboot ----

    [Theory]
    [InlineData("linux-2.6.38", "")]
    [InlineData("vivek-2011", "")]
    [InlineData("linux-3.12", "printk.always_kmsg_dump")]
    [InlineData("linux-4.10", "printk.always_kmsg_dump")]
    public void K4_the_emerg_dump_in_emergency_restart_spins_on_logbuf_lock_and_the_machine_never_resets(string design, string parameter)
    {
        foreach (var r in Runs(Load("k4-emerg-dump-blocks-reboot", design, $"cmdline = \"panic=10 {parameter}\""), 50))
        {
            Assert.Equal(Outcome.Hung, r.Outcome);
            Assert.True(DumpIntact(r));  // the PANIC dump was written long before
            InOrder(r, "kmsg_dump(KMSG_DUMP_PANIC)", "emergency_restart", "kmsg_dump(KMSG_DUMP_EMERG)");
            Assert.False(Has(r, "machine_emergency_restart"));
            Assert.StartsWith("spinning on logbuf_lock held by cpu3", Cpu(r, 0).Doing);
            Assert.Contains("kmsg_dump < emergency_restart < panic", Cpu(r, 0).Doing);
        }
    }

    [Theory]
    [InlineData("eric-2011")]
    [InlineData("linux-3.12")]
    [InlineData("linux-4.10")]
    [InlineData("linux-6.x")]
    public void K4_without_the_hook_or_with_emerg_filtered_out_the_machine_resets_after_panic_timeout(string design)
    {
        foreach (var r in Runs(Load("k4-emerg-dump-blocks-reboot", design), 50))
        {
            Assert.Equal(Outcome.Rebooted, r.Outcome);
            Assert.Equal("emergency_restart", r.Reason);
            Assert.True(DumpIntact(r));
            Assert.InRange(r.EndTimeNs, 10 * S, 11 * S + 100 * Ms);
        }
    }

    // ---- K5: a CPU with interrupts disabled ignores the stop IPI ----

    [Fact]
    public void K5_2_6_38_carries_on_with_the_irqs_off_cpu_still_running()
    {
        foreach (var r in Runs(Load("k5-irqs-off-cpu-ignores-stop-ipi", "linux-2.6.38"), 50))
        {
            Assert.Equal(Outcome.Rebooted, r.Outcome);
            Assert.True(Has(r, "smp_send_stop: 1 CPU(s) still online after 1 s: cpu3"));
            Assert.Equal(CpuFate.Wedged, Cpu(r, 3).Fate);
            Assert.True(Cpu(r, 3).Online);
        }
    }

    [Theory]
    [InlineData("linux-3.12")]
    [InlineData("linux-4.10")]
    public void K5_the_nmi_stage_stops_it_but_the_stopper_goes_ahead_before_it_reaches_hlt(string design)
    {
        var runs = Runs(Load("k5-irqs-off-cpu-ignores-stop-ipi", design), 50);
        foreach (var r in runs)
        {
            Assert.Equal(Outcome.Rebooted, r.Outcome);
            InOrder(r, "smp_send_stop: 1 CPU(s) still online after 1 s: cpu3; NMI", "smp_send_stop: all other CPUs offline", "kmsg_dump(KMSG_DUMP_PANIC)");
            Assert.Equal(CpuFate.StoppedByNmi, Cpu(r, 3).Fate);
            Assert.False(Cpu(r, 3).Online);
        }
        // num_online_cpus() drops before stop_this_cpu() reaches HLT: the v6.5 race.
        Assert.Contains(runs, r => Has(r, "still running stop_this_cpu"));
    }

    [Fact]
    public void K5_6_x_waits_until_every_cpu_is_at_hlt_and_nmis_only_the_ones_left()
    {
        foreach (var r in Runs(Load("k5-irqs-off-cpu-ignores-stop-ipi", "linux-6.x"), 50))
        {
            Assert.Equal(Outcome.Rebooted, r.Outcome);
            InOrder(r, "smp_send_stop: 1 CPU(s) not at HLT after 1 s; NMI to them", "smp_send_stop: all other CPUs halted");
            Assert.False(Has(r, "still running stop_this_cpu"));
            Assert.Equal(CpuFate.StoppedByNmi, Cpu(r, 3).Fate);
            Assert.All(new[] { 1, 2 }, c => Assert.Equal(CpuFate.StoppedByIpi, Cpu(r, c).Fate));  // the NMI went to cpu3 only
            Assert.All(r.Cpus.Where(c => c.Cpu != 0), c => Assert.StartsWith("halted in stop_this_cpu", c.Doing));
        }
    }

    [Fact]
    public void K5_nonmi_ipi_turns_the_fix_off_again()
    {
        foreach (var r in Runs(Load("k5-irqs-off-cpu-ignores-stop-ipi", "linux-3.12", "cmdline = \"panic=10 nonmi_ipi\""), 20))
        {
            Assert.Equal(CpuFate.Wedged, Cpu(r, 3).Fate);
            Assert.True(Has(r, "smp_send_stop: 1 CPU(s) not stopped: cpu3"));
        }
    }

    // ---- K6: a CPU left running scribbles on the crash kernel ----

    [Theory]
    [InlineData("linux-2.6.38")]
    [InlineData("eric-2011")]
    [InlineData("linux-3.12")]
    public void K6_the_unstoppable_cpus_stray_write_corrupts_the_crash_kernel_and_purgatory_loops(string design)
    {
        foreach (var r in Runs(Load("k6-stray-write-into-crash-kernel", design), 50))
        {
            Assert.Equal(Outcome.Hung, r.Outcome);
            Assert.Contains("purgatory", r.Reason);
            InOrder(r, "stray write into the crash-kernel region", "nmi_shootdown_cpus: 1 CPU(s) did not answer", "machine_kexec", "SHA-256 mismatch");
        }
    }

    [Theory]
    [InlineData("linux-4.10")]
    [InlineData("linux-6.x")]
    public void K6_with_the_loaded_region_read_only_the_stray_write_faults_and_kdump_works(string design)
    {
        foreach (var r in Runs(Load("k6-stray-write-into-crash-kernel", design), 50))
        {
            Assert.Equal(Outcome.VmcoreCaptured, r.Outcome);
            Assert.True(Has(r, "stray write into the crash-kernel region faults: mapped read-only"));
            Assert.False(Cpu(r, 3).RegistersSaved);  // still stuck in its NMI handler: kdump went ahead without it
        }
    }

    [Fact]
    public void K6_what_remains_dma_is_not_stopped_by_the_page_protection()
    {
        var dma = "triggers = [ { at = 0ms, cpu = 0, event = panic }, { at = 500ms, event = corrupt-crash-kernel } ]";
        Assert.All(Runs(Load("k6-stray-write-into-crash-kernel", "linux-6.x", dma), 10), r => Assert.Contains("purgatory", r.Reason));
    }

    // ---- K7: another CPU finishes panic() and resets the machine during kdump ----

    [Theory]
    [InlineData("linux-2.6.38", "")]
    [InlineData("vivek-2011", "design-options.vivek-2011.shutdown-mutex-loser = carry-on")]
    [InlineData("eric-2011", "")]
    public void K7_the_second_panic_runs_to_emergency_restart_and_resets_the_machine_under_the_crash_kernel(string design, string extra)
    {
        foreach (var r in Runs(Load("k7-second-panic-resets-during-kdump", design, extra), 50))
        {
            Assert.Equal(Outcome.Rebooted, r.Outcome);
            Assert.Equal("emergency_restart while the crash kernel was running", r.Reason);
            Assert.True(Has(r, "crash kernel booted"));
            Assert.False(Has(r, "vmcore saved"));
            Assert.Equal(3, Assert.Single(r.Milestones, m => m.What == "machine_emergency_restart").Cpu);
        }
    }

    /// <summary>
    /// Verdict changed by correction A9: in Vivek's proposal the CPU that loses the shutdown mutex
    /// halts ("We don't want other cpus to complete panic() and jump to BIOS"), so the vmcore is saved.
    /// </summary>
    [Fact]
    public void K7_under_vivek_2011_the_cpu_that_loses_the_shutdown_mutex_halts_and_the_vmcore_is_saved()
    {
        foreach (var r in Runs(Load("k7-second-panic-resets-during-kdump", "vivek-2011"), 50))
        {
            Assert.Equal(Outcome.VmcoreCaptured, r.Outcome);
            Assert.Contains(r.Milestones, m => m is { Cpu: 3, What: "shutdown_mutex lost: halting" });
            Assert.False(Has(r, "machine_emergency_restart"));
        }
    }

    [Theory]
    [InlineData("linux-3.12")]
    [InlineData("linux-4.10")]
    [InlineData("linux-6.x")]
    public void K7_the_second_panicking_cpu_parks_itself_and_the_vmcore_is_saved(string design)
    {
        foreach (var r in Runs(Load("k7-second-panic-resets-during-kdump", design), 50))
        {
            Assert.Equal(Outcome.VmcoreCaptured, r.Outcome);
            Assert.Contains(r.Milestones, m => m.Cpu == 3 && m.What == "panic_smp_self_stop");
            Assert.Equal(CpuFate.SelfStopped, Cpu(r, 3).Fate);
            Assert.False(Has(r, "emergency_restart"));
        }
    }

    // ---- K8: the NVRAM write is torn by a reset ----

    [Theory]
    [MemberData(nameof(AllDesigns))]
    public void K8_a_watchdog_reset_during_the_slow_nvram_write_tears_the_record_under_every_design(string design)
    {
        foreach (var r in Runs(Load("k8-watchdog-tears-nvram-record", design), 20))
        {
            Assert.Equal(Outcome.Rebooted, r.Outcome);
            Assert.Equal("hardware watchdog", r.Reason);
            Assert.Equal(93 * Ms, r.EndTimeNs);
            var record = Assert.Single(r.Nvram);
            Assert.Equal(KmsgDumpReason.Panic, record.Reason);
            Assert.False(record.Intact);
            Assert.InRange(record.StoredBytes, 1, record.IntendedBytes - 1);  // the header and the first chunk, not the rest
            Assert.True(Has(r, "kmsg_dump(KMSG_DUMP_PANIC)"));
        }
    }

    public static TheoryData<string> AllDesigns() => [.. All];
}
