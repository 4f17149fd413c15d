using ActorCrash.Actors;
using ActorCrash.Actors.Exploration;
using ActorCrash.Config;
using ActorCrash.Tests.Designs;
using Xunit;

namespace ActorCrash.Tests.Exploration;

/// <summary>
/// Every built-in property shown catching the violation it exists for, and holding where the fix
/// is: a monitor that can never fire would pass every other test.
/// </summary>
public class PropertyCatchTests
{
    /// <summary>The property's verdict on seed <paramref name="seed"/> of <paramref name="spec"/>; null = held.</summary>
    private static string? Check(ScenarioSpec spec, string property, ulong seed = 1)
    {
        var machine = new Machine(spec);
        var summary = machine.Run(seed);
        return Properties.ByName(property).Check(new RunView(machine, summary));
    }

    /// <summary>The verdicts of seeds [0, count).</summary>
    private static string?[] Checks(ScenarioSpec spec, string property, int count)
    {
        var machine = new Machine(spec);
        var p = Properties.ByName(property);
        return [.. Enumerable.Range(0, count).Select(s => p.Check(new RunView(machine, machine.Run((ulong)s))))];
    }

    [Fact]
    public void No_hang_fires_when_ramoops_blocks_kdump_and_holds_where_kdump_runs_first()
    {
        var v = Check(Kit.Load("k3-dumper-blocks-kdump", "linux-2.6.38"), PropertyNames.NoHang);
        Assert.NotNull(v);
        Assert.StartsWith("no-hang violated: the machine hung", v);
        Assert.Null(Check(Kit.Load("k3-dumper-blocks-kdump", "eric-2011"), PropertyNames.NoHang));
    }

    [Fact]
    public void Vmcore_fires_when_no_vmcore_is_saved()
    {
        var v = Check(Kit.Load("k3-dumper-blocks-kdump", "linux-2.6.38"), PropertyNames.Vmcore);
        Assert.StartsWith("vmcore violated: no vmcore; outcome Hung", v);
        Assert.Null(Check(Kit.Load("k3-dumper-blocks-kdump", "linux-3.12"), PropertyNames.Vmcore));
    }

    [Fact]
    public void Log_saved_holds_for_an_intact_dump_and_fires_for_a_torn_one()
    {
        Assert.Null(Check(Kit.Load("thread-2011", "linux-2.6.38"), PropertyNames.LogSaved));
        var v = Check(Kit.Load("k8-watchdog-tears-nvram-record", "linux-2.6.38"), PropertyNames.LogSaved);
        Assert.NotNull(v);
        Assert.Contains("none intact", v);
    }

    [Fact]
    public void Log_saved_fires_when_no_dumper_is_registered()
    {
        var v = Check(Kit.Load("thread-2011", "linux-2.6.38", "machine.dumpers = []"), PropertyNames.LogSaved);
        Assert.Equal("log-saved violated: no kmsg dumper is registered", v);
    }

    [Fact]
    public void Log_saved_is_not_satisfied_by_the_pstore_console_zone_alone()
    {
        // The pstore console zone fills with every printk, but a run whose dump never lands (a
        // write error from the first store on) has saved no dump of the log.
        var spec = Kit.Load("thread-2011", "linux-6.x", """
            machine.ramoops { console_size = 4096 }
            machine.faults = [ { at = 0ms, fault = write-error } ]
            """);
        var v = Check(spec, PropertyNames.LogSaved);
        Assert.NotNull(v);
    }

    [Fact]
    public void Log_saved_is_not_satisfied_by_an_earlier_boots_mtdoops_record()
    {
        // mtdoops pages from earlier boots (seq 1..3) read back intact; this boot's dump cannot be
        // written (no panic_write): the old records must not count.
        var spec = Kit.Load("thread-2011", "linux-6.x", """
            machine.dumpers = [mtdoops]
            machine.mtdoops { prior-records = 3, panic_write = false }
            """);
        Assert.Equal("log-saved violated: no dump of the kernel log was written", Check(spec, PropertyNames.LogSaved));
    }

    [Fact]
    public void Reboot_in_time_fires_when_nobody_is_left_to_reboot_and_holds_when_the_reset_comes_at_panic_timeout()
    {
        var hung = Checks(Kit.Load("k1-two-cpus-panic", "linux-2.6.38"), PropertyNames.RebootInTime, 200);
        Assert.Contains(hung, v => v is not null && v.Contains("no reset by the end", StringComparison.Ordinal));
        Assert.All(Checks(Kit.Load("k1-two-cpus-panic", "linux-3.12"), PropertyNames.RebootInTime, 50), Assert.Null);
    }

    [Fact]
    public void Reboot_in_time_fires_when_the_reset_comes_after_panic_timeout_plus_the_slack()
    {
        // A third-party dumper writing for 5 s delays emergency_restart past panic=10 + 2 s.
        var spec = Kit.Load("thread-2011", "linux-6.x", """
            cmdline = "panic=10"
            machine.kdump.loaded = false
            machine.dumpers = [thirdparty]
            machine.thirdparty { behaviour = slow-write, time = 5s }
            """);
        var r = Kit.Run(spec);
        Assert.Equal(Outcome.Rebooted, r.Outcome);
        var v = Check(spec, PropertyNames.RebootInTime);
        Assert.NotNull(v);
        Assert.Contains("after the deadline", v);
    }

    [Fact]
    public void Reboot_in_time_does_not_apply_when_panic_0_asks_for_no_reboot()
    {
        var spec = Kit.Load("k1-two-cpus-panic", "linux-3.12", "cmdline = \"panic=0\"");
        Assert.All(Checks(spec, PropertyNames.RebootInTime, 20), Assert.Null);
    }

    [Fact]
    public void Single_kexec_or_restart_fires_when_a_second_cpu_resets_during_kdump()
    {
        var v = Check(Kit.Load("k7-second-panic-resets-during-kdump", "linux-2.6.38"), PropertyNames.SingleKexecOrRestart);
        Assert.NotNull(v);
        Assert.Contains("both reached machine_kexec/machine_emergency_restart", v);
        Assert.Null(Check(Kit.Load("k7-second-panic-resets-during-kdump", "linux-3.12"), PropertyNames.SingleKexecOrRestart));
    }

    [Fact]
    public void Crash_kernel_intact_fires_when_a_stray_write_lands_before_machine_kexec()
    {
        var v = Check(Kit.Load("k6-stray-write-into-crash-kernel", "linux-2.6.38"), PropertyNames.CrashKernelIntact);
        Assert.NotNull(v);
        Assert.Contains("digest no longer matches", v);
        Assert.Null(Check(Kit.Load("thread-2011", "linux-2.6.38"), PropertyNames.CrashKernelIntact));
    }

    [Fact]
    public void Nvram_not_torn_fires_for_a_record_cut_by_the_watchdog_reset()
    {
        var v = Check(Kit.Load("k8-watchdog-tears-nvram-record", "linux-2.6.38"), PropertyNames.NvramNotTorn);
        Assert.NotNull(v);
        Assert.Contains("torn", v);
        Assert.Null(Check(Kit.Load("thread-2011", "linux-2.6.38"), PropertyNames.NvramNotTorn));
    }

    [Fact]
    public void No_lock_held_by_stopped_fires_when_the_panic_cpu_spins_on_a_lock_of_a_wedged_cpu()
    {
        var verdicts = Checks(Kit.Load("race-logbuf-wedge", "linux-2.6.38"), PropertyNames.NoLockHeldByStopped, 3000);
        var v = Assert.Single(verdicts.Where(x => x is not null).Take(1));
        Assert.Contains("spins on logbuf_lock, held by cpu2", v);
        Assert.Contains(verdicts, x => x is null);
    }

    [Fact]
    public void Before_fires_on_the_wrong_order_and_eventually_on_a_missing_milestone()
    {
        var spec = Kit.Load("thread-2011", "linux-2.6.38");
        // 2.6.38 dumps (KMSG_DUMP_KEXEC) before the shootdown: "shootdown before dump" is violated.
        var before = Check(spec, PropertyNames.Before("nmi_shootdown_cpus", "kmsg_dump"));
        Assert.NotNull(before);
        Assert.Contains("before any \"nmi_shootdown_cpus\"", before);
        Assert.Null(Check(spec, PropertyNames.Before("crash_kexec", "kmsg_dump")));
        Assert.Null(Check(spec, PropertyNames.Eventually("vmcore saved")));
        var never = Check(spec, PropertyNames.Eventually("machine_emergency_restart"));
        Assert.NotNull(never);
        Assert.Contains("no milestone", never);
    }

    [Fact]
    public void Reboot_in_time_measures_from_the_panic_not_from_boot()
    {
        // The same late reset, with the panic 5 ms after boot: still after panic + 10 s + 2 s.
        var spec = Kit.Load("thread-2011", "linux-6.x", """
            cmdline = "panic=10"
            machine.kdump.loaded = false
            machine.dumpers = [thirdparty]
            machine.thirdparty { behaviour = slow-write, time = 5s }
            triggers = [ { at = 5ms, cpu = 0, event = panic, message = "Fatal exception" } ]
            """);
        var machine = new Machine(spec);
        var run = new RunView(machine, machine.Run(1));
        var panic = Assert.Single(run.Milestones, m => m.What.StartsWith("panic: ", StringComparison.Ordinal));
        Assert.Equal(panic.TimeNs, run.FirstPanicNs);
        Assert.True(run.FirstPanicNs >= 5_000_000);
        Assert.Contains("after the deadline", Properties.ByName(PropertyNames.RebootInTime).Check(run));
    }

    [Fact]
    public void Reboot_in_time_allows_a_reset_exactly_at_the_deadline_and_not_a_nanosecond_later()
    {
        var machine = new Machine(Kit.Load("thread-2011", "linux-6.x", "machine.kdump.loaded = false"));
        var summary = machine.Run(1);
        Assert.Equal(Outcome.Rebooted, summary.Outcome);
        var deadline = new RunView(machine, summary).FirstPanicNs + 10 * ActorCrash.Hardware.VirtualTime.Second + Properties.RebootSlackNs;
        var property = Properties.ByName(PropertyNames.RebootInTime);
        Assert.Null(property.Check(new RunView(machine, summary with { EndTimeNs = deadline })));
        Assert.NotNull(property.Check(new RunView(machine, summary with { EndTimeNs = deadline + 1 })));
    }

    [Fact]
    public void A_run_without_a_panic_has_no_panic_time_and_nothing_to_stop()
    {
        // The panic is due after the virtual-time limit: the run ends first.
        var machine = new Machine(Kit.Load("thread-2011", "linux-6.x", """
            limits.virtual-time = 1s
            triggers = [ { at = 5s, cpu = 0, event = panic, message = "Fatal exception" } ]
            """));
        var run = new RunView(machine, machine.Run(1));
        Assert.Equal(-1, run.FirstPanicNs);
        Assert.Null(Properties.ByName(PropertyNames.RebootInTime).Check(run));
        Assert.Null(Properties.ByName(PropertyNames.OthersStopped).Check(run));
    }

    [Fact]
    public void Others_stopped_fires_for_a_cpu_the_stop_ipi_cannot_reach_and_holds_where_every_cpu_is_stopped()
    {
        // 2.6.38's smp_send_stop has only the REBOOT_VECTOR IPI: cpu3 spinning with interrupts off keeps running (K5).
        var v = Check(Kit.Load("k5-irqs-off-cpu-ignores-stop-ipi", "linux-2.6.38"), PropertyNames.OthersStopped);
        Assert.NotNull(v);
        Assert.StartsWith("others-stopped violated: not stopped at the end: cpu3 (", v);
        Assert.DoesNotContain("cpu0", v);  // the CPU carrying the panic is not one to stop
        Assert.Null(Check(Kit.Load("k5-irqs-off-cpu-ignores-stop-ipi", "linux-6.x"), PropertyNames.OthersStopped));
    }

    [Fact]
    public void Others_stopped_fires_when_two_cpus_are_still_in_the_panic_path()
    {
        // K7 under 2.6.38: cpu3's second panic runs on while cpu0 is in the crash kernel.
        var v = Check(Kit.Load("k7-second-panic-resets-during-kdump", "linux-2.6.38"), PropertyNames.OthersStopped);
        Assert.Equal("others-stopped violated: 2 CPUs are still in the panic path: cpu0 (InCrashKernel), cpu3 (Panicking)", v);
        Assert.Null(Check(Kit.Load("k7-second-panic-resets-during-kdump", "linux-3.12"), PropertyNames.OthersStopped));
    }

    [Fact]
    public void A_before_property_needs_both_milestones_and_an_unknown_name_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Properties.ByName(PropertyNames.BeforePrefix + "panic"));
        Assert.Throws<ArgumentException>(() => Properties.ByName("panic" + PropertyNames.BeforeSeparator + "kmsg_dump"));
        var e = Assert.Throws<ArgumentException>(() => Properties.ByName("no-such-property"));
        Assert.Contains("no-such-property", e.Message);
    }
}
