using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using Xunit;
using static ActorCrash.Tests.Designs.Kit;
using static ActorCrash.Tests.Kernel.KernelKit;

namespace ActorCrash.Tests.Kernel;

/// <summary>
/// smp_send_stop() → native_stop_other_cpus(wait=0) of each era (arch/x86/kernel/smp.c; domain
/// reference §1.2 step 7, §2.4): 2.6.38's REBOOT_VECTOR with a 1 s wait and no NMI; 3.5–6.4's IPI
/// "sync point", then "Shutting down cpus with NMI" to all but self and 10 ms more, behind the
/// stopping_cpu "did someone beat us here?" check; 6.5's cpus_stop_mask, with the NMI only to the
/// CPUs still in it. The time of the NMI stage is measured from the end of the panic CPU's last
/// console line before it: nothing between dump_stack() and the stop takes time without a kdump image.
/// </summary>
public class StopOtherCpusTests
{
    private const string SpinIrqsOff = "{ cpu = 2, activity = spin, irqs = off }";

    [Theory]
    [InlineData("linux-2.6.38", "^smp_send_stop: all other CPUs offline$")]
    // 3.5–6.4 wait on cpu_online_mask, which stop_this_cpu() clears before HLT: the stopper goes ahead while targets still run (§3 K5)
    [InlineData("linux-3.12", "^smp_send_stop: all other CPUs offline, [123] still running stop_this_cpu$")]
    [InlineData("linux-4.10", "^smp_send_stop: all other CPUs offline, [123] still running stop_this_cpu$")]
    [InlineData("linux-6.x", "^smp_send_stop: all other CPUs halted$")]
    public void Idle_cpus_take_the_reboot_vector_and_no_nmi_stage_follows(string design, string report)
    {
        foreach (var r in RunsOn(design, 5, 4, NoKdump, "panic=0"))
        {
            var stop = Assert.Single(r.Milestones, m => m.What.StartsWith("smp_send_stop", StringComparison.Ordinal));
            Assert.Matches(report, stop.What);
            Assert.Equal(0, stop.Cpu);
            Assert.Empty(Lines(r, "Shutting down cpus with NMI"));
            // The IPI reaches idle CPUs within microseconds: the stop does not wait out its second.
            Assert.InRange(stop.TimeNs - LastPrintedBefore(r, stop.TimeNs), 0, 100 * Us);
            foreach (var c in new[] { 1, 2, 3 })
            {
                Assert.Equal(CpuFate.StoppedByIpi, Cpu(r, c).Fate);
                Assert.False(Cpu(r, c).Online);
            }
            Assert.True(Cpu(r, 0).Online);
        }
    }

    [Theory]
    [InlineData("linux-3.12", "smp_send_stop: 1 CPU(s) still online after 1 s: cpu2; NMI", CpuFate.StoppedByNmi)]
    [InlineData("linux-4.5", "smp_send_stop: 1 CPU(s) still online after 1 s: cpu2; NMI", CpuFate.StoppedByNmi)]
    [InlineData("linux-6.x", "smp_send_stop: 1 CPU(s) not at HLT after 1 s; NMI to them", CpuFate.StoppedByIpi)]
    public void A_cpu_spinning_with_interrupts_off_gets_the_nmi_exactly_one_second_after_the_ipi(string design, string nmiStage, CpuFate stoppedFirst)
    {
        foreach (var r in RunsOn(design, 5, 4, NoKdump, "panic=0", SpinIrqsOff))
        {
            var nmi = Assert.Single(r.Milestones, m => m.What.Contains("; NMI", StringComparison.Ordinal));
            Assert.Equal(nmiStage, nmi.What);
            Assert.Equal(X86.StopWaitNs, nmi.TimeNs - LastPrintedBefore(r, nmi.TimeNs));
            // pr_emerg("Shutting down cpus with NMI"), once, before the NMIs go out.
            var line = Assert.Single(Lines(r, "Shutting down cpus with NMI"));
            Assert.True(line.TimeNs >= nmi.TimeNs);
            Assert.Equal(CpuFate.StoppedByNmi, Cpu(r, 2).Fate);
            Assert.False(Cpu(r, 2).Online);
            // 3.5–6.4 send the NMI to all but self, so CPUs already in stop_this_cpu take it too and stop again;
            // 6.5 sends it only to the CPUs still in cpus_stop_mask.
            Assert.Equal(stoppedFirst, Cpu(r, 1).Fate);
            Assert.Equal(stoppedFirst, Cpu(r, 3).Fate);
            var done = r.Milestones.Last(m => m.What.StartsWith("smp_send_stop", StringComparison.Ordinal));
            Assert.StartsWith(design == "linux-6.x" ? "smp_send_stop: all other CPUs halted" : "smp_send_stop: all other CPUs offline", done.What);
            Assert.InRange(done.TimeNs - nmi.TimeNs, 0, 10 * Ms);
        }
    }

    [Fact]
    public void Linux_2_6_38_has_no_nmi_stage_and_carries_on_after_one_second_with_the_cpu_running()
    {
        foreach (var r in RunsOn("linux-2.6.38", 5, 4, NoKdump, "panic=0", SpinIrqsOff))
        {
            var stop = Assert.Single(r.Milestones, m => m.What.StartsWith("smp_send_stop", StringComparison.Ordinal));
            Assert.Equal("smp_send_stop: 1 CPU(s) still online after 1 s: cpu2", stop.What);
            Assert.Equal(X86.StopWaitNs, stop.TimeNs - LastPrintedBefore(r, stop.TimeNs));
            Assert.Empty(Lines(r, "Shutting down cpus with NMI"));
            Assert.True(Cpu(r, 2).Online);
            Assert.Equal(CpuFate.StoppedByIpi, Cpu(r, 1).Fate);
        }
    }

    [Theory]
    [InlineData("linux-3.12", 0L)]
    [InlineData("linux-6.x", 10_000_000L)]   // 6.5 still waits its 10 ms for cpus_stop_mask: "In any case try to wait for the other CPUs to stop"
    public void Nonmi_ipi_skips_the_nmi_and_reports_the_cpu_that_did_not_stop(string design, long extraWaitNs)
    {
        foreach (var r in RunsOn(design, 3, 4, NoKdump, "panic=0 nonmi_ipi", SpinIrqsOff))
        {
            Assert.Empty(Lines(r, "Shutting down cpus with NMI"));
            Assert.DoesNotContain(r.Milestones, m => m.What.Contains("; NMI", StringComparison.Ordinal));
            var stop = Assert.Single(r.Milestones, m => m.What.StartsWith("smp_send_stop", StringComparison.Ordinal));
            Assert.Equal("smp_send_stop: 1 CPU(s) not stopped: cpu2", stop.What);
            Assert.Equal(X86.StopWaitNs + extraWaitNs, stop.TimeNs - LastPrintedBefore(r, stop.TimeNs));
            Assert.True(Cpu(r, 2).Online);
            Assert.NotEqual(CpuFate.StoppedByNmi, Cpu(r, 2).Fate);
        }
    }

    [Theory]
    [InlineData("linux-6.x")]
    [InlineData("linux-3.12")]
    public void A_cpu_stuck_in_an_nmi_handler_cannot_take_the_stop_nmi_and_is_reported_after_the_ten_ms(string design)
    {
        var r = RunOn(design, 3, NoKdump, "panic=0", "{ cpu = 2, activity = in-nmi }");
        var nmi = Assert.Single(r.Milestones, m => m.What.Contains("; NMI", StringComparison.Ordinal));
        var stop = r.Milestones.Last(m => m.What.StartsWith("smp_send_stop", StringComparison.Ordinal));
        Assert.Equal("smp_send_stop: 1 CPU(s) not stopped: cpu2", stop.What);
        // the 10 ms wait runs out: measured from the NMI milestone it is 10 ms plus the printk of the "Shutting down" line
        var printed = PrintedAt(r, "Shutting down cpus with NMI");
        Assert.Equal(X86v3.NmiStopWaitNs, stop.TimeNs - printed);
        Assert.True(printed >= nmi.TimeNs);
        Assert.True(Cpu(r, 2).Online);
        Assert.Equal(design == "linux-6.x" ? CpuFate.StoppedByIpi : CpuFate.StoppedByNmi, Cpu(r, 1).Fate);
    }

    [Theory]
    [InlineData("linux-2.6.38")]
    [InlineData("linux-3.12")]
    [InlineData("linux-6.x")]
    public void Reboot_force_returns_before_any_cpu_is_stopped(string design)
    {
        var r = RunOn(design, 3, NoKdump, "panic=0 reboot=force");
        Assert.DoesNotContain(r.Milestones, m => m.What.StartsWith("smp_send_stop", StringComparison.Ordinal));
        Assert.True(Cpu(r, 1).Online);
        Assert.True(Cpu(r, 2).Online);
        Assert.Equal(CpuFate.Idle, Cpu(r, 1).Fate);
    }

    /// <summary>
    /// CPU 1 reboots first (kernel_restart → machine_shutdown → stop_other_cpus) and becomes
    /// stopping_cpu; CPU 0, spinning with interrupts off so its REBOOT_VECTOR stays pending, then
    /// panics and reaches smp_send_stop() itself: "did someone beat us here?" — it returns at once,
    /// and CPU 1's NMI stage stops it in its panic_timeout countdown.
    /// </summary>
    [Theory]
    [InlineData("linux-3.12")]
    [InlineData("linux-4.10")]
    [InlineData("linux-6.x")]
    public void A_second_cpu_in_smp_send_stop_returns_at_once_and_the_first_stops_it(string design)
    {
        foreach (var r in RunsOn(design, 3, 3, NoKdump, "panic=10", "{ cpu = 0, activity = spin, irqs = off }",
                     "{ at = 10ms, cpu = 0, event = panic, message = \"Fatal exception\" }, { at = 0ms, cpu = 1, event = reboot }"))
        {
            Assert.DoesNotContain(MilestonesOf(r, 0), m => m.StartsWith("smp_send_stop", StringComparison.Ordinal));
            Assert.Contains(MilestonesOf(r, 1), m => m.StartsWith("smp_send_stop", StringComparison.Ordinal) && m.Contains("NMI", StringComparison.Ordinal));
            Assert.True(At(r, "panic: Fatal exception") < At(r, "; NMI"));
            Assert.Equal(CpuFate.StoppedByNmi, Cpu(r, 0).Fate);
            Assert.Contains("panic_timeout_countdown", Cpu(r, 0).Doing);
            Assert.Equal(Outcome.Rebooted, r.Outcome);
            Assert.True(TimeOf(r, "machine_emergency_restart") < 2 * S);  // CPU 1's reset, not panic()'s after 10 s
        }
    }

    /// <summary>
    /// The stop ends in local_irq_save(); disable_local_APIC(); local_irq_restore(): the stopping CPU
    /// leaves with the interrupt state it came with. kernel_restart() runs in task context with
    /// interrupts on, and still has them on while it waits for the reset.
    /// </summary>
    [Theory]
    [InlineData("linux-2.6.38")]
    [InlineData("linux-3.12")]
    [InlineData("linux-6.x")]
    public void The_stopping_cpu_keeps_its_interrupt_state_across_the_stop(string design)
    {
        var r = RunOn(design, 3, NoKdump, "panic=0", "", "{ at = 1ms, cpu = 0, event = reboot }");
        Assert.Contains(r.Milestones, m => m.Cpu == 0 && m.What.StartsWith("smp_send_stop", StringComparison.Ordinal));
        Assert.Equal("looping forever: waiting for the reset (interrupts on) in machine_emergency_restart < kernel_restart < idle_loop", Cpu(r, 0).Doing);
    }

    /// <summary>
    /// 2.6.38's panic() leaves interrupts as the caller had them, through smp_send_stop(): a panic
    /// notifier that waits for its device's interrupt gets it after a task-context panic and the
    /// machine reboots. From 3.x panic() turns interrupts off at entry and the same notifier waits forever.
    /// </summary>
    [Theory]
    [InlineData("linux-2.6.38", true)]
    [InlineData("linux-3.12", false)]
    [InlineData("linux-6.x", false)]
    public void After_the_stop_2_6_38_still_has_the_callers_interrupts_and_later_kernels_have_none(string design, bool irqsOn)
    {
        var r = RunOn(design, 3, NoKdump, "panic=1", tail: "panic-notifiers = [ { name = \"needs-irq\", behaviour = need-irq, time = 5ms } ]");
        Assert.Contains(r.Milestones, m => m.What.StartsWith("smp_send_stop: all other CPUs", StringComparison.Ordinal));
        if (irqsOn)
            Assert.Equal(Outcome.Rebooted, r.Outcome);
        else
        {
            Assert.Equal(Outcome.Hung, r.Outcome);
            Assert.Contains("waiting for its device's interrupt with interrupts off", Cpu(r, 0).Doing);
        }
    }
}
