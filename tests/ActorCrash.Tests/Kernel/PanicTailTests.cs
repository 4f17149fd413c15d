using ActorCrash.Actors;
using Xunit;
using static ActorCrash.Tests.Designs.Kit;
using static ActorCrash.Tests.Kernel.KernelKit;

namespace ActorCrash.Tests.Kernel;

/// <summary>
/// The parts of kernel/panic.c every era shares (KernelPanic.cs): the panic notifier chain, the
/// panic_timeout countdown, the final loop, panic_smp_self_stop(); and 6.x's panic_print:
/// sys_info() and the NMI backtrace of the other CPUs (lib/nmi_backtrace.c) before the stop.
/// </summary>
public class PanicTailTests
{
    public static TheoryData<string> AllDesigns() => [.. All];

    /// <summary>
    /// panic_timeout &gt; 0: "Rebooting in N seconds..", then N seconds of 100 ms mdelay() steps, then
    /// emergency_restart(): the reset is asked for exactly N s after the line is out.
    /// </summary>
    [Theory]
    [MemberData(nameof(AllDesigns))]
    public void The_panic_timeout_countdown_lasts_exactly_panic_timeout_seconds(string design)
    {
        foreach (var timeout in new[] { 1, 3 })
        {
            var r = RunOn(design, 2, NoKdump, $"panic={timeout}");
            Assert.Equal(Outcome.Rebooted, r.Outcome);
            var printed = PrintedAt(r, $"Rebooting in {timeout} seconds..");
            Assert.Equal(timeout * S, TimeOf(r, "machine_emergency_restart") - printed);
        }
    }

    /// <summary>
    /// With panic=0 nothing reboots: panic() ends in local_irq_enable(); for (;;) mdelay(PANIC_TIMER_STEP),
    /// interrupts on — also in the eras that turned them off at entry (3.x on).
    /// </summary>
    [Theory]
    [MemberData(nameof(AllDesigns))]
    public void The_final_loop_runs_with_interrupts_on(string design)
    {
        var r = RunOn(design, 2, NoKdump, "panic=0");
        Assert.Equal(Outcome.Halted, r.Outcome);
        Assert.Equal(CpuFate.PanicLoop, Cpu(r, 0).Fate);
        Assert.StartsWith("looping forever: panic: for (;;) mdelay(PANIC_TIMER_STEP) (interrupts on) in panic_final_loop", Cpu(r, 0).Doing);
        Assert.Equal("panic: final loop (no reboot)", r.Milestones[^1].What);
    }

    /// <summary>2.6.38: a negative panic= does not reboot either (only panic_timeout &gt; 0 reaches emergency_restart); from 3.x it reboots at once.</summary>
    [Fact]
    public void A_negative_panic_timeout_loops_in_2_6_38_and_reboots_at_once_later()
    {
        var old = RunOn("linux-2.6.38", 2, NoKdump, "panic=-1");
        Assert.Equal(Outcome.Halted, old.Outcome);
        Assert.Empty(Lines(old, "Rebooting in"));
        var r = RunOn("linux-3.12", 2, NoKdump, "panic=-1");
        Assert.Equal(Outcome.Rebooted, r.Outcome);
        Assert.Empty(Lines(r, "Rebooting in"));
    }

    /// <summary>
    /// atomic_notifier_call_chain(&amp;panic_notifier_list): every callback, in registration order, on
    /// the panic CPU — the kernel's own dump_kernel_offset (x86, 3.15 with KASLR) first — each one
    /// starting when the previous returns.
    /// </summary>
    [Theory]
    [MemberData(nameof(AllDesigns))]
    public void The_notifier_chain_calls_every_callback_in_order_each_after_the_last_returns(string design)
    {
        var chain = "panic-notifiers = [ { name = \"first\", behaviour = slow, time = 2ms }, { name = \"second\", behaviour = slow, time = 5ms }, { name = \"third\", behaviour = return } ]";
        var r = RunOn(design, 2, NoKdump, "panic=0", tail: chain + "\n timing { console-ns-per-char = 0ns }");
        var calls = r.Milestones.Where(m => m.What.StartsWith("panic notifier ", StringComparison.Ordinal)).ToArray();
        var kaslr = design is "linux-4.5" or "linux-4.10" or "linux-6.x";
        Assert.Equal(kaslr ? ["panic notifier dump_kernel_offset", "panic notifier first", "panic notifier second", "panic notifier third"]
            : ["panic notifier first", "panic notifier second", "panic notifier third"], calls.Select(m => m.What));
        Assert.All(calls, m => Assert.Equal(0, m.Cpu));
        Assert.Equal(2 * Ms, calls[^2].TimeNs - calls[^3].TimeNs);
        Assert.Equal(5 * Ms, calls[^1].TimeNs - calls[^2].TimeNs);
        Assert.Equal(kaslr ? 1 : 0, Lines(r, "Kernel Offset: 0x1e000000 from 0xffffffff81000000").Length);
    }

    /// <summary>A second CPU that panics while the first owns panic_lock / panic_cpu parks in panic_smp_self_stop() with interrupts off, prints nothing, and the first CPU's NMI stops it.</summary>
    [Theory]
    [InlineData("linux-3.12")]
    [InlineData("linux-4.5")]
    [InlineData("linux-6.x")]
    public void A_second_panicking_cpu_self_stops_until_the_nmi_stage_reaches_it(string design)
    {
        var r = RunOn(design, 2, NoKdump, "panic=0", "", Panic0 + ", { at = 2ms, cpu = 1, event = panic, message = \"second\" }");
        Assert.Equal(["panic: second", "panic_smp_self_stop"], MilestonesOf(r, 1));
        Assert.Empty(Lines(r, "Kernel panic - not syncing: second"));
        Assert.Equal(CpuFate.StoppedByNmi, Cpu(r, 1).Fate);
        Assert.Contains("stop_this_cpu < panic_smp_self_stop", Cpu(r, 1).Doing);
        Assert.Contains(r.Milestones, m => m.Cpu == 0 && m.What.Contains("; NMI", StringComparison.Ordinal));
    }

    // ---- panic_print (6.x) ----

    [Fact]
    public void Sys_info_prints_exactly_the_dumps_panic_print_asks_for_in_their_order()
    {
        var r = RunOn("linux-6.x", 1, NoKdump, "panic=0 panic_print=0x5");
        Assert.Single(Lines(r, "Task dump for CPU 0:"));
        Assert.Single(Lines(r, "Timer List Version: v0.9"));
        foreach (var absent in new[] { "Mem-Info:", "Showing all locks held in the system:", "Dumping ftrace buffer:", "Showing all blocked tasks" })
            Assert.Empty(Lines(r, absent));

        var all = RunOn("linux-6.x", 1, NoKdump, "panic=0 panic_print=0x9f");
        var heads = new[] { "Task dump for CPU 0:", "Mem-Info:", "Timer List Version: v0.9", "Showing all locks held in the system:", "Dumping ftrace buffer:", "Showing all blocked tasks" };
        var at = heads.Select(h => PrintedAt(all, h)).ToArray();
        Assert.Equal(at.Order(), at);
        Assert.True(at[0] >= TimeOf(all, "panic notifier dump_kernel_offset"));   // after the notifiers, on the panic CPU
        Assert.Single(Lines(all, "free:1843200 free_pcp:512 free_cma:0"));   // every line of a dump, not only its head
    }

    /// <summary>
    /// panic_print 0x40: trigger_all_cpu_backtrace() NMIs every other online CPU and waits up to 10 s
    /// for each to print its backtrace and clear its bit in backtrace_mask; CPUs that answer end the
    /// wait at once, and the stop follows.
    /// </summary>
    [Fact]
    public void The_nmi_backtrace_waits_only_for_the_cpus_that_have_not_answered()
    {
        foreach (var r in RunsOn("linux-6.x", 5, 4, NoKdump, "panic=0 panic_print=0x40"))
        {
            var sent = PrintedAt(r, "Sending NMI from CPU 0 to CPUs 1,2,3:");
            foreach (var c in new[] { 1, 2, 3 })
            {
                Assert.Single(Lines(r, $"NMI backtrace for cpu {c}"));
                Assert.Single(Lines(r, $"CPU: {c} PID: 0 Comm: swapper/{c}"));
            }
            Assert.DoesNotContain(r.Milestones, m => m.What.Contains("did not answer", StringComparison.Ordinal));
            var stop = Assert.Single(r.Milestones, m => m.What.StartsWith("smp_send_stop", StringComparison.Ordinal));
            Assert.Equal("smp_send_stop: all other CPUs halted", stop.What);
            Assert.InRange(stop.TimeNs - sent, 0, 100 * Ms);   // far below the 10 s the wait allows
            Assert.All(new[] { 1, 2, 3 }, c => Assert.Equal(CpuFate.StoppedByIpi, Cpu(r, c).Fate));
        }
    }

    [Fact]
    public void A_cpu_that_never_answers_the_backtrace_nmi_costs_exactly_the_ten_seconds()
    {
        var r = RunOn("linux-6.x", 4, NoKdump, "panic=0 panic_print=0x40", "{ cpu = 2, activity = in-nmi }");
        var sent = PrintedAt(r, "Sending NMI from CPU 0 to CPUs 1,2,3:");
        var late = Assert.Single(r.Milestones, m => m.What.StartsWith("trigger_all_cpu_backtrace", StringComparison.Ordinal));
        Assert.Equal("trigger_all_cpu_backtrace: 1 CPU(s) did not answer within 10 s", late.What);
        Assert.Equal(10 * S, late.TimeNs - sent);
        Assert.Empty(Lines(r, "NMI backtrace for cpu 2"));
        Assert.Single(Lines(r, "NMI backtrace for cpu 1"));
    }

    [Fact]
    public void With_no_other_cpu_online_the_backtrace_sends_nothing()
    {
        var r = RunOn("linux-6.x", 1, NoKdump, "panic=0 panic_print=0x40");
        Assert.Empty(Lines(r, "Sending NMI from CPU"));
        Assert.DoesNotContain(r.Milestones, m => m.What.StartsWith("trigger_all_cpu_backtrace", StringComparison.Ordinal));
        Assert.Equal(Outcome.Halted, r.Outcome);
    }
}
