using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using Xunit;
using static ActorCrash.Tests.Designs.Kit;
using static ActorCrash.Tests.Kernel.KernelKit;

namespace ActorCrash.Tests.Kernel;

/// <summary>
/// printk (Printk.cs) as a console shows it: dump_stack()'s header and call trace in each era's words,
/// for the panicking task on CPU 0 (init) and for an idle CPU (the swapper), from a trap and from the
/// NMI watchdog; what each printk costs; and 2.6.38's printk recursion on the CPU that holds
/// logbuf_lock — the line dropped without an oops in progress, the locks zapped with one.
/// </summary>
public class PrintkTests
{
    private const string Instant = "timing { console-ns-per-char = 0ns }";
    private const string Hw = "Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014";

    /// <summary>The console text from the panic line up to (not including) the first line containing <paramref name="until"/>.</summary>
    private static string[] From(RunResult r, string first, string until)
    {
        var text = r.Console.Select(l => l.Text[15..]).ToList();   // without the "[    0.001000] " stamp
        var start = text.FindIndex(t => t.StartsWith(first, StringComparison.Ordinal));
        Assert.True(start >= 0, $"no line \"{first}\":\n{string.Join("\n", text)}");
        var end = text.FindIndex(start + 1, t => t.Contains(until, StringComparison.Ordinal));
        return [.. text.Skip(start).Take((end < 0 ? text.Count : end) - start)];
    }

    public static TheoryData<string, int, string[]> TrapStacks() => new()
    {
        // 2.6.38: show_regs()'s "Pid: …, comm: …" header; the idle task of every CPU is "swapper"; frames with addresses.
        { "linux-2.6.38", 0, ["Pid: 1, comm: init Not tainted 2.6.38 #1", "Call Trace:",
            " [<ffffffff814c9a0d>] panic+0x91/0x1a1", " [<ffffffff814cdb74>] oops_end+0xe4/0x100", " [<ffffffff8100f2fb>] die+0x5b/0x90",
            " [<ffffffff814cd442>] do_trap+0xc2/0x170", " [<ffffffff8100cd25>] do_invalid_op+0x95/0xb0"] },
        { "linux-2.6.38", 1, ["Pid: 0, comm: swapper Not tainted 2.6.38 #1", "Call Trace:",
            " [<ffffffff814c9a0d>] panic+0x91/0x1a1", " [<ffffffff814cdb74>] oops_end+0xe4/0x100", " [<ffffffff8100f2fb>] die+0x5b/0x90",
            " [<ffffffff814cd442>] do_trap+0xc2/0x170", " [<ffffffff8100cd25>] do_invalid_op+0x95/0xb0"] },
        // 3.x: dump_stack_print_info()'s "CPU: N PID: … Comm: …" and "Hardware name:"; the idle task is "swapper/N"; dump_stack's own frame.
        { "linux-3.12", 1, ["CPU: 1 PID: 0 Comm: swapper/1 Not tainted 3.12.0 #1", Hw, "Call Trace:",
            " [<ffffffff8171c6a3>] dump_stack+0x45/0x56", " [<ffffffff814c9a0d>] panic+0x91/0x1a1", " [<ffffffff814cdb74>] oops_end+0xe4/0x100",
            " [<ffffffff8100f2fb>] die+0x5b/0x90", " [<ffffffff814cd442>] do_trap+0xc2/0x170", " [<ffffffff8100cd25>] do_invalid_op+0x95/0xb0"] },
        // ≈4.9 on: no frame addresses.
        { "linux-4.10", 1, ["CPU: 1 PID: 0 Comm: swapper/1 Not tainted 4.10.0 #1", Hw, "Call Trace:",
            " dump_stack+0x45/0x56", " panic+0x91/0x1a1", " oops_end+0xe4/0x100", " die+0x5b/0x90", " do_trap+0xc2/0x170", " do_invalid_op+0x95/0xb0"] },
        // ≈5.16 on: inside <TASK> brackets, dump_stack_lvl.
        { "linux-6.x", 1, ["CPU: 1 PID: 0 Comm: swapper/1 Not tainted 6.12.0 #1", Hw, "Call Trace:", " <TASK>",
            " dump_stack_lvl+0x44/0x5c", " panic+0x118/0x2f4", " oops_end+0xe4/0x100", " die+0x5b/0x90", " do_trap+0xc2/0x170", " do_invalid_op+0x95/0xb0", " </TASK>"] },
    };

    [Theory]
    [MemberData(nameof(TrapStacks))]
    public void Dump_stack_prints_the_eras_header_and_call_trace_for_the_panicking_task(string design, int cpu, string[] stack)
    {
        var r = RunOn(design, 2, NoKdump, "panic=1", triggers: $"{{ at = 1ms, cpu = {cpu}, event = panic, message = \"x\" }}", tail: Instant);

        var lines = From(r, "Kernel panic - not syncing: x", design is "linux-2.6.38" or "linux-3.12" ? "Rebooting in" : "Kernel Offset");   // dump_kernel_offset from 3.15
        Assert.Equal(["Kernel panic - not syncing: x", .. stack], lines);
    }

    public static TheoryData<string, string[]> NmiStacks() => new()
    {
        { "linux-3.12", ["Call Trace:", " [<ffffffff8171c6a3>] dump_stack+0x45/0x56", " [<ffffffff814c9a0d>] panic+0x91/0x1a1",
            " [<ffffffff810a4c2e>] watchdog_overflow_callback+0xde/0xe0", " [<ffffffff810d61a3>] __perf_event_overflow+0x93/0x210",
            " [<ffffffff814ce3a8>] do_nmi+0xd8/0x2c0", " [<ffffffff814cdb50>] nmi+0x20/0x30"] },
        // 4.x: the perf NMI handler is reached through nmi_handle().
        { "linux-4.10", ["Call Trace:", " dump_stack+0x45/0x56", " panic+0x91/0x1a1", " watchdog_overflow_callback+0xde/0xe0",
            " __perf_event_overflow+0x93/0x210", " perf_event_nmi_handler+0x2d/0x50", " nmi_handle+0x63/0x110"] },
        { "linux-6.x", ["Call Trace:", " <TASK>", " dump_stack_lvl+0x44/0x5c", " panic+0x118/0x2f4", " watchdog_overflow_callback+0xde/0xe0",
            " __perf_event_overflow+0x93/0x210", " perf_event_nmi_handler+0x2d/0x50", " nmi_handle+0x63/0x110", " </TASK>"] },
    };

    [Theory]
    [MemberData(nameof(NmiStacks))]
    public void A_hard_lockup_panic_dumps_the_nmi_watchdogs_call_chain(string design, string[] trace)
    {
        var r = RunOn(design, 2, NoKdump, "panic=1 nmi_watchdog=panic",
            triggers: "{ at = 1ms, cpu = 1, event = nmi-watchdog, message = \"Watchdog detected hard LOCKUP on cpu 1\" }", tail: Instant);

        Assert.Equal(trace, From(r, "Call Trace:", design == "linux-3.12" ? "Rebooting in" : "Kernel Offset"));
    }

    /// <summary>
    /// Each printk costs one kernel step before the record is stored (2.6.38's emit_log_char() under
    /// logbuf_lock; vprintk_emit()'s reserve and commit in the lockless ringbuffer): with an instant
    /// console, dump_stack()'s consecutive lines reach it exactly one step apart.
    /// </summary>
    [Theory]
    [InlineData("linux-2.6.38")]
    [InlineData("linux-6.x")]
    public void Every_printk_costs_one_step_before_its_line_is_stored(string design)
    {
        var spec = Inline(Fidelity.CorrectionTests.Machine(2, NoKdump, "panic=1", "", "{ at = 1ms, cpu = 1, event = panic, message = \"x\" }", Instant), design);
        var r = Run(spec);
        var step = spec.Timing.StepNs;
        Assert.True(step > 0);

        var call = Array.FindIndex(r.Console.ToArray(), l => l.Text.EndsWith("Call Trace:", StringComparison.Ordinal));
        Assert.True(call > 0);
        for (var i = call; i < call + 4; i++) Assert.Equal(step, r.Console[i + 1].TimeNs - r.Console[i].TimeNs);
        Assert.Equal(1 * Ms + step, r.Console[0].TimeNs);   // the panic line: one step after panic() was entered
    }

    // CPU 0 is inside printk's critical section (the driver's loop holds logbuf_lock, interrupts off, 1.0–1.5 ms) when an NMI comes.
    private const string HoldsLogbufLock = "{ cpu = 0, activity = printk-loop, period = 1ms, hold = 500us }";

    /// <summary>
    /// 2.6.38 vprintk(): "if (unlikely(printk_cpu == this_cpu)) { if (!oops_in_progress) goto out_restore_irqs; zap_locks(); }"
    /// — an unknown NMI's report on the CPU inside printk is dropped (nothing is in progress), and
    /// the CPU goes on: a later panic elsewhere stops it with its IPI.
    /// </summary>
    [Fact]
    public void A_printk_recursing_on_the_cpu_inside_printk_is_dropped_when_no_oops_is_in_progress()
    {
        var r = RunOn("linux-2.6.38", 2, NoKdump, "panic=1", HoldsLogbufLock,
            "{ at = 1200us, cpu = 0, event = unknown-nmi }, { at = 5ms, cpu = 1, event = panic, message = \"x\" }", Instant);

        Assert.True(Has(r, "NMI received for unknown reason"), Describe(r));
        Assert.Empty(Lines(r, "Uhhuh"));
        Assert.Empty(Lines(r, "strange power saving"));
        Assert.Empty(Lines(r, "Dazed and confused"));
        Assert.Equal(["eth0: tx timeout, resetting queue 1", "eth0: tx timeout, resetting queue 2", "eth0: tx timeout, resetting queue 3",
            "Kernel panic - not syncing: x"], r.Console.Take(4).Select(l => l.Text[15..]));
        Assert.Equal(1500 * Us + 500, r.Console[0].TimeNs);   // the driver's own line, after the hold and one step: logbuf_lock was not taken from it
        Assert.Equal(CpuFate.StoppedByIpi, Cpu(r, 0).Fate);
        Assert.Empty(r.LocksHeld);
    }

    /// <summary>
    /// With an oops in progress (panic() has called bust_spinlocks(1)), the recursing printk calls
    /// zap_locks(): logbuf_lock is re-initialised under the CPU that held it, and the NMI panic's lines are stored and printed.
    /// </summary>
    [Fact]
    public void A_printk_recursing_during_a_panic_zaps_the_printk_locks_and_prints()
    {
        var r = RunOn("linux-2.6.38", 2, NoKdump, "panic=1 unknown_nmi_panic", HoldsLogbufLock, "{ at = 1200us, cpu = 0, event = unknown-nmi }", Instant);

        Assert.Empty(Lines(r, "Uhhuh"));                                    // before panic(): dropped
        Assert.Equal("[    0.001200] Kernel panic - not syncing: NMI: Not continuing", r.Console[0].Text);
        Assert.Single(Lines(r, "Rebooting in 1 seconds.."));
        Assert.Equal(Outcome.Rebooted, r.Outcome);
        Assert.Equal(CpuFate.StoppedByIpi, Cpu(r, 1).Fate);
        Assert.Empty(r.LocksHeld);
    }
}
