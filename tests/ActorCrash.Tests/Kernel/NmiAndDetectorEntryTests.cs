using ActorCrash.Actors;
using Xunit;
using static ActorCrash.Tests.Designs.Kit;
using static ActorCrash.Tests.Kernel.KernelKit;

namespace ActorCrash.Tests.Kernel;

/// <summary>
/// The ways into panic() that are not panic() itself (EntryPoints.cs), each as the kernel prints it
/// and does it: unknown_nmi_error() and io_check_error() (arch/x86/kernel/nmi.c), sysrq-c
/// (sysrq_handle_crash), the soft-lockup detector (watchdog_timer_fn), khungtaskd (check_hung_task)
/// and __warn() — without their panic switch the machine runs on, with it they panic.
/// </summary>
public class NmiAndDetectorEntryTests
{
    private const string Instant = "timing { console-ns-per-char = 0ns }";

    private static RunResult Entry(string design, string cmdline, string evt, string tail = "") =>
        RunOn(design, 2, NoKdump, cmdline, triggers: $"{{ at = 1ms, cpu = 0, event = {evt} }}", tail: Instant + "\n" + tail);

    private static string[] Text(RunResult r) => [.. r.Console.Select(l => l.Text[15..])];

    [Fact]
    public void An_unknown_nmi_is_reported_and_the_kernel_carries_on()
    {
        var r = Entry("linux-2.6.38", "panic=1", "unknown-nmi");

        Assert.Equal(["Uhhuh. NMI received for unknown reason 3d on CPU 0.", "Do you have a strange power saving mode enabled?",
            "Dazed and confused, but trying to continue"], Text(r));
        Assert.Equal(["NMI received for unknown reason"], MilestonesOf(r, 0));
        Assert.Equal(Outcome.Survived, r.Outcome);
    }

    [Fact]
    public void With_unknown_nmi_panic_an_unknown_nmi_panics_instead_of_carrying_on()
    {
        var r = Entry("linux-2.6.38", "panic=1 unknown_nmi_panic", "unknown-nmi");

        Assert.Equal(["Uhhuh. NMI received for unknown reason 3d on CPU 0.", "Do you have a strange power saving mode enabled?",
            "Kernel panic - not syncing: NMI: Not continuing"], Text(r)[..3]);
        Assert.Empty(Lines(r, "Dazed and confused"));
        Assert.Equal(["NMI received for unknown reason", "panic: NMI: Not continuing"], MilestonesOf(r, 0)[..2]);
        Assert.Equal(Outcome.Rebooted, r.Outcome);
    }

    /// <summary>io_check_error(): the report, then (no panic_on_io_nmi) the IOCK line is re-enabled after a 2 s wait in the NMI handler.</summary>
    [Fact]
    public void An_iock_nmi_is_reported_and_the_nmi_handler_waits_two_seconds_before_re_enabling_the_line()
    {
        var r = Entry("linux-2.6.38", "panic=1", "io-check-nmi");

        Assert.Equal(["NMI: IOCK error (debug interrupt?) for reason 71 on CPU 0."], Text(r));
        Assert.Equal(["NMI: IOCK error"], MilestonesOf(r, 0));
        Assert.Equal(Outcome.Survived, r.Outcome);
        Assert.Equal(r.Console[0].TimeNs + 2 * S, r.EndTimeNs);   // the report, then the wait
    }

    [Fact]
    public void With_panic_on_io_nmi_an_iock_nmi_panics_at_once()
    {
        var r = Entry("linux-2.6.38", "panic=1", "io-check-nmi", "sysctl = \"kernel.panic_on_io_nmi=1\"");

        Assert.Equal(["NMI: IOCK error (debug interrupt?) for reason 71 on CPU 0.", "Kernel panic - not syncing: NMI IOCK error: Not continuing"], Text(r)[..2]);
        Assert.Equal(["NMI: IOCK error", "panic: NMI IOCK error: Not continuing"], MilestonesOf(r, 0)[..2]);
        Assert.Equal(Outcome.Rebooted, r.Outcome);
        Assert.True(r.EndTimeNs < 2 * S);   // no 2 s wait before the panic's 1 s countdown
    }

    /// <summary>sysrq-c: before 5.0 it forces panic_on_oops and stores through NULL (an oops that panics); from 5.0 it calls panic() itself.</summary>
    [Theory]
    [InlineData("linux-4.10", "SysRq : Trigger a crash", "panic: Fatal exception")]
    [InlineData("linux-6.x", "sysrq: Trigger a crash", "panic: sysrq triggered crash")]
    public void Sysrq_c_crashes_the_eras_way(string design, string line, string panic)
    {
        var r = Entry(design, "panic=1", "sysrq-c");

        Assert.Equal(line, Text(r)[0]);
        var oops = design == "linux-4.10";
        if (oops)
        {
            Assert.Equal(["BUG: unable to handle kernel NULL pointer dereference at (null)", "Oops: 0002 [#1] SMP"], Text(r)[1..3]);
            Assert.Equal(["sysrq: Trigger a crash", "oops: Oops", "kmsg_dump(KMSG_DUMP_OOPS)", panic], MilestonesOf(r, 0)[..4]);
        }
        else
        {
            Assert.Equal("Kernel panic - not syncing: sysrq triggered crash", Text(r)[1]);
            Assert.Equal(["sysrq: Trigger a crash", panic], MilestonesOf(r, 0)[..2]);
        }
        Assert.Equal(Outcome.Rebooted, r.Outcome);
    }

    /// <summary>
    /// watchdog_timer_fn() reports a soft lockup ("watchdog: " in front from ≈4.14) and the stuck
    /// CPU's stack; without softlockup_panic the hrtimer returns, with interrupts on again: a later
    /// panic on CPU 1 stops CPU 0 with 2.6.38's IPI at once.
    /// </summary>
    [Theory]
    [InlineData("linux-2.6.38", "BUG: soft lockup - CPU#0 stuck for 22s! [lkdtm:4242]", "Pid: 1, comm: init Not tainted 2.6.38 #1")]
    [InlineData("linux-6.x", "watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [lkdtm:4242]", "CPU: 0 PID: 1 Comm: init Not tainted 6.12.0 #1")]
    public void A_soft_lockup_is_reported_with_the_stack_and_the_cpu_runs_on(string design, string line, string header)
    {
        var r = RunOn(design, 2, NoKdump, "panic=1",
            triggers: "{ at = 1ms, cpu = 0, event = soft-lockup }, { at = 100ms, cpu = 1, event = panic, message = \"x\" }", tail: Instant);

        Assert.Equal(line, r.Console[0].Text[15..]);
        Assert.Equal(header, r.Console[1].Text[15..]);
        Assert.Equal(["soft lockup detected"], MilestonesOf(r, 0));
        Assert.Equal(CpuFate.StoppedByIpi, Cpu(r, 0).Fate);
        if (design == "linux-2.6.38") Assert.True(TimeOf(r, "smp_send_stop") < 101 * Ms);
    }

    [Fact]
    public void With_softlockup_panic_a_soft_lockup_panics_after_its_report()
    {
        var r = Entry("linux-4.10", "panic=1 softlockup_panic=1", "soft-lockup");

        Assert.Equal("BUG: soft lockup - CPU#0 stuck for 22s! [lkdtm:4242]", Text(r)[0]);
        Assert.Equal(["soft lockup detected", "panic: softlockup: hung tasks"], MilestonesOf(r, 0)[..2]);
        Assert.Equal(Outcome.Rebooted, r.Outcome);
    }

    [Theory]
    [InlineData("panic=1", false)]
    [InlineData("panic=1 hung_task_panic=1", true)]
    public void A_hung_task_is_reported_and_panics_only_with_hung_task_panic(string cmdline, bool panics)
    {
        var r = Entry("linux-2.6.38", cmdline, "hung-task");

        Assert.Equal("INFO: task lkdtm:4242 blocked for more than 120 seconds.", Text(r)[0]);
        Assert.Equal("hung task detected", MilestonesOf(r, 0)[0]);
        Assert.Equal(panics, Has(r, "panic: hung_task: blocked tasks"));
        Assert.Equal(panics ? Outcome.Rebooted : Outcome.Survived, r.Outcome);
    }

    /// <summary>__warn(): "cut here", the WARNING line (with CPU and PID from 3.x), and the end-trace marker — or, with panic_on_warn, panic() instead of the marker.</summary>
    [Theory]
    [InlineData("linux-2.6.38", "panic=1", new[] { "------------[ cut here ]------------", "WARNING: at kernel/panic.c:600 __warn+0x8c/0x130", "---[ end trace 0000000000000000 ]---" })]
    [InlineData("linux-4.10", "panic=1", new[] { "------------[ cut here ]------------", "WARNING: CPU: 0 PID: 4242 at kernel/panic.c:600 __warn+0x8c/0x130", "---[ end trace 0000000000000000 ]---" })]
    [InlineData("linux-4.10", "panic=1 panic_on_warn", new[] { "------------[ cut here ]------------", "WARNING: CPU: 0 PID: 4242 at kernel/panic.c:600 __warn+0x8c/0x130", "Kernel panic - not syncing: panic_on_warn set ..." })]
    public void A_warning_prints_its_report_and_panics_only_with_panic_on_warn(string design, string cmdline, string[] lines)
    {
        var r = Entry(design, cmdline, "warn");

        Assert.Equal(lines, Text(r)[..3]);
        Assert.Equal("WARNING: kernel/panic.c:600 __warn+0x8c/0x130", MilestonesOf(r, 0)[0]);
        Assert.Equal(cmdline.Contains("panic_on_warn") ? 0 : 1, Lines(r, "end trace 0000000000000000").Length);
    }

    /// <summary>
    /// nmi_panic() on the CPU that is already panicking returns (4.5+), and unknown_nmi_error() goes
    /// on: "Dazed and confused, but trying to continue" is logged during the panic, which then ends
    /// as it would have.
    /// </summary>
    [Fact]
    public void An_unknown_nmi_on_the_panicking_cpu_with_unknown_nmi_panic_is_dazed_and_the_panic_goes_on()
    {
        var spec = Inline(Fidelity.CorrectionTests.Machine(2, NoKdump, "panic=1 unknown_nmi_panic", "",
            "{ at = 1ms, cpu = 0, event = panic, message = \"x\" }, { at = 500ms, cpu = 0, event = unknown-nmi }", Instant), "linux-6.x");
        using var machine = new Machine(spec);
        var r = machine.RunAndReport(1);
        var log = Enumerable.Range(0, machine.Kernel.Log.LineCount).Select(machine.Kernel.Log.Line).Select(l => l[15..]).ToList();

        var uhhuh = log.IndexOf("Uhhuh. NMI received for unknown reason 3d on CPU 0.");
        Assert.True(uhhuh > 0, string.Join("\n", log));
        // 6.12 has no "strange power saving mode" line between them (gone in 5.18)
        Assert.Equal("Dazed and confused, but trying to continue", log.ElementAtOrDefault(uhhuh + 1));
        Assert.Single(r.Milestones, m => m.What.StartsWith("panic: ", StringComparison.Ordinal));
        Assert.Equal(Outcome.Rebooted, r.Outcome);
        Assert.InRange(r.EndTimeNs, 1 * S, 2 * S);
    }
}
