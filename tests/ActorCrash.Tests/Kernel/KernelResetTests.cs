using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using Xunit;
using static ActorCrash.Tests.Designs.Kit;
using static ActorCrash.Tests.Kernel.KernelKit;

namespace ActorCrash.Tests.Kernel;

/// <summary>
/// The kernel's memory between the runs of a campaign (KernelState.Reset, LogBuffer.Reset): a seed
/// run after others on one machine reports exactly what it reports on a machine of its own — saved
/// registers, waiters, log levels do not leak from one seed into the next. Plus schedule_work() as
/// mtdoops meets it in the panic, and the read-back a property asks of a dumper.
/// </summary>
public class KernelResetTests
{
    /// <summary>
    /// kdump with CPU 2 stuck in an NMI handler (the shootdown waits its 1000 ms for it), and a
    /// sysrq-b on CPU 1 at a random time in 1–80 ms: some seeds reset before the NMI shootdown (no
    /// registers saved, cpu0 never waits), others during its wait (cpu0 waiting on
    /// waiting_for_crash_ipi, CPU 1's notes saved), the rest boot the crash kernel.
    /// </summary>
    private const string SysrqDuringKdump = """
        name = "leak"
        cmdline = "panic=10 crashkernel=128M"
        machine { cpus = 3, kdump.loaded = true, dumpers = [] }
        cpus = [ { cpu = 2, activity = in-nmi } ]
        triggers = [
          { at = 1ms, cpu = 0, event = panic, message = "Fatal exception" }
          { at = [1ms, 80ms], cpu = 1, event = sysrq-b }
        ]
        """;

    /// <summary>
    /// No kdump, CPU 2 spinning with interrupts off (2.6.38's stop waits 1 s for it on
    /// cpu_online_mask), a panic on CPU 0 and one on CPU 1 at random times: the run ends at its
    /// 300 ms limit with the first panicking CPU still waiting on cpu_online_mask.
    /// </summary>
    private const string LimitDuringStop = """
        name = "leak-stop"
        cmdline = "panic=10"
        machine { cpus = 3, kdump.loaded = false, dumpers = [] }
        cpus = [ { cpu = 2, activity = spin, irqs = off } ]
        triggers = [
          { at = [1ms, 20ms], cpu = 0, event = panic, message = "zero" }
          { at = [1ms, 20ms], cpu = 1, event = panic, message = "one" }
        ]
        limits.virtual-time = 300ms
        """;

    /// <summary>
    /// The same with kdump and CPU 2 stuck in an NMI handler: the run ends at its limit while the
    /// crashing CPU — CPU 0 or CPU 1, by seed — waits on waiting_for_crash_ipi.
    /// </summary>
    private const string LimitDuringShootdown = """
        name = "leak-shootdown"
        cmdline = "panic=10 crashkernel=128M"
        machine { cpus = 3, kdump.loaded = true, dumpers = [] }
        cpus = [ { cpu = 2, activity = in-nmi } ]
        triggers = [
          { at = [1ms, 20ms], cpu = 0, event = panic, message = "zero" }
          { at = [1ms, 20ms], cpu = 1, event = panic, message = "one" }
        ]
        limits.virtual-time = 300ms
        """;

    /// <summary>
    /// 2.6.38 ramoops, and a sysrq-b on CPU 1 at a random time in 1–60 ms: some seeds reset before
    /// the panic's dump (no record, nothing sent to the NVRAM), others after it (one record).
    /// </summary>
    private const string SysrqAroundRamoops = """
        name = "leak-ramoops"
        cmdline = "panic=10"
        machine { cpus = 2, kdump.loaded = false, dumpers = [ramoops], ramoops.era = "2.6.38" }
        triggers = [
          { at = 1ms, cpu = 0, event = panic, message = "Fatal exception" }
          { at = [1ms, 60ms], cpu = 1, event = sysrq-b }
        ]
        """;

    /// <summary>
    /// 6.9+ unknown NMIs, twelve at random times in 1–40 ms and no panic: the two ratelimited lines
    /// print ten times each and suppress the rest. A run after others starts with a fresh ratelimit
    /// state (it is static data in the kernel image, set at boot).
    /// </summary>
    private const string UnknownNmiStorm = """
        name = "leak-ratelimit"
        cmdline = "panic=10"
        machine { cpus = 2, kdump.loaded = false, dumpers = [] }
        triggers = [ TRIGGERS ]
        limits.virtual-time = 100ms
        """;

    private static string Storm() => UnknownNmiStorm.Replace("TRIGGERS",
        string.Join(", ", Enumerable.Range(0, 12).Select(_ => "{ at = [1ms, 40ms], cpu = 1, event = unknown-nmi }")), StringComparison.Ordinal);

    /// <summary>
    /// 6.x with an nbcon console: panic() defers the legacy consoles until
    /// printk_legacy_allow_panic_sync() after the stop. A run after others starts deferring again.
    /// </summary>
    private const string NbconPanic = """
        name = "leak-nbcon"
        cmdline = "panic=1"
        machine { cpus = 2, kdump.loaded = false, dumpers = [], console.nbcon = true }
        triggers = [ { at = [1ms, 20ms], cpu = 0, event = panic, message = "Fatal exception" } ]
        """;

    /// <summary>
    /// 4.10: an unknown NMI on CPU 1 at a random time around the panic on CPU 0 (whose stop comes at
    /// about 50 ms, after the panic's console lines). When the NMI comes after the stop, CPU 1 sits halted with interrupts off and its "Uhhuh" text stays in its NMI buffer
    /// (printk_safe_flush_on_panic() has run). A run after others starts with the buffers empty.
    /// </summary>
    private const string NmiAfterStop = """
        name = "leak-nmi-buffer"
        cmdline = "panic=1"
        machine { cpus = 2, kdump.loaded = false, dumpers = [] }
        triggers = [
          { at = 10ms, cpu = 0, event = panic, message = "Fatal exception" }
          { at = [1ms, 200ms], cpu = 1, event = unknown-nmi }
        ]
        """;

    [Theory]
    [InlineData("storm", "linux-6.x")]
    [InlineData(NbconPanic, "linux-6.x")]
    [InlineData(NmiAfterStop, "linux-4.10")]
    public void A_seed_run_after_others_starts_with_the_boot_state_of_ratelimits_consoles_and_nmi_buffers(string hocon, string design)
    {
        var distinct = Emulator.ResetLeakTests.AssertNoLeak(Inline(hocon == "storm" ? Storm() : hocon, design), 12);
        Assert.True(distinct > 1, "every seed ended the same way, so nothing could leak");
    }

    [Fact]
    public void The_unknown_nmi_storm_logs_ten_of_each_line_and_suppresses_the_rest()
    {
        using var machine = new Machine(Inline(Storm(), "linux-6.x"));
        machine.RunAndReport(3);
        var log = Enumerable.Range(0, machine.Kernel.Log.LineCount).Select(machine.Kernel.Log.Line).ToArray();

        Assert.Equal(10, log.Count(l => l.Contains("Uhhuh. NMI received for unknown reason", StringComparison.Ordinal)));
        Assert.Equal(10, log.Count(l => l.Contains("Dazed and confused", StringComparison.Ordinal)));
    }

    [Fact]
    public void Some_nmi_after_stop_runs_leave_text_in_cpu1s_nmi_buffer()
    {
        var spec = Inline(NmiAfterStop, "linux-4.10");
        using var machine = new Machine(spec);
        var left = 0;
        for (ulong seed = 1; seed <= 12; seed++)
        {
            machine.RunAndReport(seed);
            if (machine.Kernel.NmiPrintSeq[1].Count > 0) left++;
        }
        Assert.InRange(left, 1, 11);
    }

    /// <summary>The panic path's masks, flags and buffers after KernelState.Reset: as a freshly booted kernel has them.</summary>
    [Fact]
    public void Reset_returns_the_panic_paths_masks_flags_and_buffers_to_their_boot_state()
    {
        var spec = Inline(Fidelity.CorrectionTests.Machine(3, NoKdump, "panic=1", "", Panic0), "linux-6.x");
        var k = new KernelState(3, spec.Cmdline);
        k.Reset(kdumpLoaded: false);
        k.LegacyAllowPanicSync = true;
        k.CpusStopMask.CopyOnlineBut(k.Online, 0);
        k.BacktraceMask.CopyOnlineBut(k.Online, 0);
        k.CpusStopMask.AddWaiter(0);
        k.BacktraceMask.AddWaiter(0);
        k.CrashIpiIssuedChanged.AddWaiter(1);
        k.NmiPrintSeq[2].Add(("Uhhuh", 0));
        for (var i = 0; i < Ratelimit.Burst + 1; i++)
        {
            k.UnknownNmiReasonRatelimit.Allow(0, out _);
            k.UnknownNmiDazedRatelimit.Allow(0, out _);
        }

        k.Reset(kdumpLoaded: false);

        Assert.False(k.LegacyAllowPanicSync);
        Assert.Equal((0, false, false), (k.CpusStopMask.Weight, k.CpusStopMask[1], k.CpusStopMask[2]));
        Assert.Equal((0, false, false), (k.BacktraceMask.Weight, k.BacktraceMask[1], k.BacktraceMask[2]));
        Assert.Empty(k.CpusStopMask.Waiters);
        Assert.Empty(k.BacktraceMask.Waiters);
        Assert.Empty(k.CrashIpiIssuedChanged.Waiters);
        Assert.All(k.NmiPrintSeq, b => Assert.Empty(b));
        Assert.True(k.UnknownNmiReasonRatelimit.Allow(0, out var missedReason));
        Assert.True(k.UnknownNmiDazedRatelimit.Allow(0, out var missedDazed));
        Assert.Equal((0, 0), (missedReason, missedDazed));
    }

    /// <summary>nmi_cpu_backtrace() run twice on one CPU (a second NMI): the mask counts the CPU once.</summary>
    [Fact]
    public void A_cpu_clearing_its_bit_twice_leaves_the_others_counted()
    {
        var spec = Inline(Fidelity.CorrectionTests.Machine(3, NoKdump, "panic=1", "", Panic0), "linux-6.x");
        using var machine = new Machine(spec);
        machine.RunAndReport(1);
        var mask = machine.Kernel.BacktraceMask;
        mask.CopyOnlineBut([true, true, true], 0);

        mask.ClearCpu(machine.Cpus[1]);
        mask.ClearCpu(machine.Cpus[1]);

        Assert.Equal(1, mask.Weight);
        Assert.True(mask[2]);
    }

    [Theory]
    [InlineData(SysrqDuringKdump, "linux-2.6.38")]
    [InlineData(SysrqDuringKdump, "linux-4.10")]
    [InlineData(LimitDuringStop, "linux-2.6.38")]
    [InlineData(LimitDuringShootdown, "linux-2.6.38")]
    [InlineData(LimitDuringShootdown, "linux-4.10")]
    [InlineData(SysrqAroundRamoops, "linux-2.6.38")]
    [InlineData(LimitDuringStop, "linux-6.x")]
    public void A_seed_run_after_others_reports_what_it_reports_on_a_fresh_machine(string hocon, string design)
    {
        // Emulator.ResetLeakTests' check (full report, trace and storage, seed by seed), on machines whose runs end mid-wait.
        var distinct = Emulator.ResetLeakTests.AssertNoLeak(Inline(hocon, design), 16);
        Assert.True(distinct > 1, "every seed ended the same way, so nothing could leak");
    }

    [Fact]
    public void The_sysrq_during_kdump_campaign_has_runs_with_and_without_saved_registers()
    {
        var runs = Runs(Inline(SysrqDuringKdump, "linux-2.6.38"), 16, first: 1);
        Assert.Contains(runs, r => r.Cpus.All(c => !c.RegistersSaved));
        Assert.Contains(runs, r => Cpu(r, 1).RegistersSaved && !Cpu(r, 2).RegistersSaved);
        Assert.Contains(runs, r => r.Outcome == Outcome.VmcoreCaptured);   // CPU 1 halted in crash_nmi_callback before its sysrq-b
    }

    [Fact]
    public void The_log_buffer_forgets_the_levels_of_a_runs_lines_with_the_lines()
    {
        var log = new LogBuffer();
        log.SetBootLog(["boot"]);
        log.Append(0, "run 1", LogLevel.Emerg);
        log.Append(0, "run 1 again", LogLevel.Alert);
        log.Reset();
        log.Append(0, "run 2", LogLevel.Err);
        log.Append(0, "run 2 again");

        Assert.Equal("<6>[    0.000000] boot\n<3>[    0.000000] run 2\n<4>[    0.000000] run 2 again\n", log.Syslog(log.Length));
    }

    [Fact]
    public void Asking_for_a_lock_the_kernel_does_not_have_is_an_argument_error_naming_it()
    {
        var k = new KernelState(2, Inline(Fidelity.CorrectionTests.Machine(2, NoKdump, "panic=1", "", Panic0), "linux-2.6.38").Cmdline);
        Assert.Same(k.XtimeLock, k.Lock("xtime_lock"));
        var e = Assert.Throws<ArgumentException>(() => k.Lock("no_such_lock"));
        Assert.Contains("no_such_lock", e.Message);
    }

    /// <summary>
    /// 3.x–5.9 mtdoops: "for other cases, schedule work to write it nicely" runs after the panic
    /// write too: schedule_work() takes the worker pool's lock for one step, lets go, and the work
    /// stays queued (no kworker runs after the panic).
    /// </summary>
    [Fact]
    public void Mtdoops_schedules_its_work_after_the_panic_write_and_leaves_the_pool_lock_free()
    {
        var spec = Inline(Fidelity.CorrectionTests.Machine(2, "kdump.loaded = false\n dumpers = [mtdoops]", "panic=1", "", Panic0,
            "timing { console-ns-per-char = 0ns }"), "linux-3.12");
        var r = Run(spec);

        var written = TimeOf(r, "mtdoops: page 0 written");
        Assert.Equal(written + spec.Timing.StepNs, TimeOf(r, "schedule_work(mtdoops work_write): queued, no kworker runs after the panic"));
        Assert.DoesNotContain(r.LocksHeld, l => l.Lock == "workqueue_pool_lock");
        Assert.Equal(Outcome.Rebooted, r.Outcome);
    }

    /// <summary>A CPU stopped while it holds the pool lock: the panic's schedule_work() spins on it for good.</summary>
    [Fact]
    public void Schedule_work_spins_for_good_on_a_pool_lock_a_stopped_cpu_holds()
    {
        var r = RunOn("linux-3.12", 2, "kdump.loaded = false\n dumpers = [mtdoops]", "panic=1",
            "{ cpu = 1, activity = idle, holding = [workqueue_pool_lock] }", tail: "timing { console-ns-per-char = 0ns }");

        Assert.Equal(Outcome.Hung, r.Outcome);
        Assert.Contains("spinning on workqueue_pool_lock held by cpu1", Cpu(r, 0).Doing);
        Assert.False(Has(r, "schedule_work("));
    }

    /// <summary>The verdicts a property reads are the read-back's records, name, state and byte counts, in order.</summary>
    [Fact]
    public void A_dumpers_verdicts_are_those_of_its_read_back_records()
    {
        var spec = Inline(Fidelity.CorrectionTests.Machine(2, "kdump.loaded = false\n dumpers = [mtdoops]", "panic=1", "", Panic0), "linux-3.12");
        using var machine = new Machine(spec);
        machine.RunAndReport(1);
        var dumper = machine.Kernel.DumpList[0];

        var verdicts = new List<RecordVerdict>();
        dumper.ReadBackVerdicts(verdicts);
        Assert.NotEmpty(verdicts);
        Assert.Equal(dumper.ReadBack().Select(RecordVerdict.Of), verdicts);
    }

    /// <summary>
    /// k8: a hardware watchdog resets the machine during 2.6.38 ramoops' slow NVRAM write: the next
    /// boot reads back a torn record (its header and the start of the log, fewer bytes than meant),
    /// and the verdicts a property reads say the same.
    /// </summary>
    [Fact]
    public void A_ramoops_record_cut_by_a_reset_reads_back_torn_and_its_verdict_says_so()
    {
        using var machine = new Machine(Load("k8-watchdog-tears-nvram-record", "linux-2.6.38"));
        var r = machine.RunAndReport(1);
        var ramoops = Assert.IsType<Ramoops>(machine.Kernel.DumpList[0]);

        var record = Assert.Single(ramoops.ReadBack());
        Assert.Equal(("ramoops record 0", RecordState.Torn, false), (record.Name, record.State, record.Intact));
        Assert.InRange(record.StoredBytes, 1, record.IntendedBytes - 1);
        Assert.StartsWith("====", record.Text);
        Assert.Matches(@"^\d+\.\d+$", record.Timestamp);
        Assert.True(record.WrittenAtNs > 0);

        var verdicts = new List<RecordVerdict>();
        ramoops.ReadBackVerdicts(verdicts);
        Assert.Equal([RecordVerdict.Of(record)], verdicts);
        Assert.Equal(Outcome.Rebooted, r.Outcome);
    }
}
