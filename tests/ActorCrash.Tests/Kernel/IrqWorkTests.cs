using ActorCrash.Actors;
using Xunit;
using static ActorCrash.Tests.Designs.Kit;
using static ActorCrash.Tests.Kernel.KernelKit;

namespace ActorCrash.Tests.Kernel;

/// <summary>
/// printk in NMI context outside a panic reaches the console through irq_work once the CPU takes an
/// interrupt again. 4.7–4.10 (kernel/printk/nmi.c): vprintk_nmi() stores into nmi_print_seq and queues
/// its irq_work, which raises IRQ_WORK_VECTOR as a self-IPI; the handler's __printk_nmi_flush() printk()s
/// each line. 6.x: the record goes straight into the ringbuffer, the console waits for the lazy
/// wake_up_klogd_work (defer_console_output()): the next tick, or the self-IPI when the tick is stopped
/// (NOHZ idle). Both vectors are maskable: a CPU spinning with interrupts off prints nothing until a panic
/// flushes it. Before 4.7 printk in NMI context prints at once.
/// </summary>
public class IrqWorkTests
{
    private const string Instant = "timing { console-ns-per-char = 0ns }";
    private const string Uhhuh = "Uhhuh. NMI received for unknown reason 3d on CPU 0.";
    private const string Dazed = "Dazed and confused, but trying to continue";

    private static string[] Text(RunResult r) => [.. r.Console.Select(l => l.Text[15..])];

    private static RunResult UnknownNmi(string design, string cpu0 = "", string then = "") =>
        RunOn(design, 2, NoKdump, "panic=1", cpu0, "{ at = 1500us, cpu = 0, event = unknown-nmi }" + then, Instant);

    private static long NmiAt(RunResult r) => TimeOf(r, "NMI received for unknown reason");

    [Theory]
    [InlineData("linux-2.6.38")]
    [InlineData("linux-3.12")]
    [InlineData("linux-4.5")]    // CONFIG_PRINTK_NMI came in 4.7
    [InlineData("linux-4.10")]
    [InlineData("linux-6.x")]
    public void An_unknown_nmi_without_a_panic_reaches_the_console(string design)
    {
        var r = UnknownNmi(design);

        Assert.Equal(Uhhuh, Text(r)[0]);
        Assert.Equal(Dazed, Text(r)[^1]);
        Assert.Equal(Outcome.Survived, r.Outcome);
    }

    [Theory]
    [InlineData("linux-4.10")]
    [InlineData("linux-6.x")]
    public void On_an_idle_cpu_the_self_ipi_prints_right_after_the_nmi_returns(string design)
    {
        var r = UnknownNmi(design);
        Assert.Empty(r.LocksHeld);

        // After the handler (each printk in the NMI takes a step), within a few µs, not at the 2 ms tick.
        Assert.NotEmpty(r.Console);
        Assert.All(r.Console, l => Assert.InRange(l.TimeNs, NmiAt(r) + 1, NmiAt(r) + 20 * Us));
    }

    [Fact]
    public void In_6_x_a_busy_cpu_prints_at_its_next_tick()
    {
        // The tick is running (not idle): the lazy klogd work waits for the 2 ms tick (HZ=1000).
        var r = UnknownNmi("linux-6.x", "{ cpu = 0, activity = spin }");

        Assert.Equal([Uhhuh, Dazed], Text(r));
        Assert.All(r.Console, l => Assert.Equal(2000 * Us, l.TimeNs));
    }

    [Fact]
    public void In_4_10_a_busy_cpu_prints_at_once_the_flush_work_is_not_lazy()
    {
        var r = UnknownNmi("linux-4.10", "{ cpu = 0, activity = spin }");

        Assert.Equal(3, r.Console.Count);
        Assert.All(r.Console, l => Assert.InRange(l.TimeNs, NmiAt(r) + 1, NmiAt(r) + 20 * Us));
    }

    [Theory]
    [InlineData("linux-4.10")]
    [InlineData("linux-6.x")]
    public void A_cpu_spinning_with_interrupts_off_never_takes_the_irq_work(string design)
    {
        var r = UnknownNmi(design, "{ cpu = 0, activity = spin, irqs = off }");

        Assert.Empty(r.Console);
        Assert.Equal(1, Count(r, "NMI received for unknown reason"));   // the NMI was handled
    }

    [Theory]
    [InlineData("linux-4.10")]
    [InlineData("linux-6.x")]
    public void What_a_cpu_with_interrupts_off_logged_in_nmi_context_is_printed_by_the_panic(string design)
    {
        var r = UnknownNmi(design, "{ cpu = 0, activity = spin, irqs = off }", ", { at = 100ms, cpu = 1, event = panic, message = \"x\" }");

        Assert.Single(Lines(r, Uhhuh));
        Assert.Single(Lines(r, Dazed));
        Assert.True(PrintedAt(r, Uhhuh) > 100 * VirtualTimeMs);
        Assert.DoesNotContain(r.LocksHeld, l => l.Lock == "printk_nmi_flush_read_lock");
    }

    private const long VirtualTimeMs = 1000 * Us;

    [Fact]
    public void Two_nmis_before_the_irq_work_runs_are_flushed_together_once()
    {
        // The second NMI is latched during the first; both handlers print before IRET, then one self-IPI flushes both.
        var r = TwoUnknownNmis410("1500us", "");

        Assert.Equal(6, r.Console.Count);
    }

    /// <summary>Two unknown NMIs on 4.10's idle CPU 0, at 1.5 ms and <paramref name="second"/>: each reported once.</summary>
    private static RunResult TwoUnknownNmis410(string second, string then)
    {
        var r = RunOn("linux-4.10", 2, NoKdump, "panic=1", "",
            $"{{ at = 1500us, cpu = 0, event = unknown-nmi }}, {{ at = {second}, cpu = 0, event = unknown-nmi }}{then}", Instant);
        Assert.Equal(2, Lines(r, Uhhuh).Length);
        Assert.Equal(2, Lines(r, Dazed).Length);
        return r;
    }

    [Fact]
    public void A_buffer_flushed_by_its_irq_work_is_empty_for_the_next_nmi_and_the_panic()
    {
        var r = TwoUnknownNmis410("3ms", ", { at = 5ms, cpu = 1, event = panic, message = \"x\" }");

        Assert.True(PrintedAt(r, "Kernel panic - not syncing: x") > Lines(r, Dazed)[1].TimeNs);
        Assert.DoesNotContain(r.LocksHeld, l => l.Lock == "printk_nmi_flush_read_lock");
    }

    [Fact]
    public void In_6_x_one_tick_runs_the_lazy_work_of_both_printks_of_an_nmi()
    {
        var spec = Inline(Fidelity.CorrectionTests.Machine(2, NoKdump, "panic=1", "{ cpu = 0, activity = spin }",
            "{ at = 1500us, cpu = 0, event = unknown-nmi }", Instant), "linux-6.x");
        using var machine = new Machine(spec);
        var r = machine.RunAndReport(1, trace: true);

        Assert.Single(r.Trace!, t => t.Message.Contains("vector=local_timer", StringComparison.Ordinal));
        Assert.Empty(r.LocksHeld);
    }

    [Fact]
    public void A_hard_lockup_report_without_hardlockup_panic_reaches_the_console_once_interrupts_are_back()
    {
        // A watchdog NMI on a CPU that runs with interrupts on (the report without nmi_watchdog=panic).
        var r = RunOn("linux-4.10", 2, NoKdump, "panic=1", "{ cpu = 1, activity = spin }",
            "{ at = 1500us, cpu = 1, event = nmi-watchdog }", Instant);

        Assert.Single(Lines(r, "Watchdog detected hard LOCKUP on cpu 1"));
    }

    [Fact]
    public void A_hard_lockup_report_from_a_cpu_spinning_with_interrupts_off_stays_unprinted()
    {
        var r = RunOn("linux-4.10", 2, NoKdump, "panic=1", "{ cpu = 1, activity = spin, irqs = off }",
            "{ at = 1500us, cpu = 1, event = nmi-watchdog }", Instant);

        Assert.Empty(Lines(r, "Watchdog detected hard LOCKUP"));
    }

    [Fact]
    public void In_6_x_the_klogd_work_of_a_backtraced_cpu_leaves_the_console_to_the_panic_cpu()
    {
        // panic_print's all-CPU backtrace: CPU 1 logs its backtrace in NMI context, then takes its
        // irq_work while CPU 0 still panics; console_trylock() fails there, so the panic CPU prints it.
        var r = RunOn("linux-6.x", 2, NoKdump, "panic=1 panic_print=0x40", "",
            "{ at = 1ms, cpu = 0, event = panic, message = \"x\" }", "timing { console-ns-per-char = 1us }");

        // CPU 1 printing it would hold the stop IPI off (it prints with interrupts off) until after its lines.
        Assert.True(TimeOf(r, "smp_send_stop: all other CPUs halted") < PrintedAt(r, "NMI backtrace for cpu 1"));
        Assert.Equal(Outcome.Rebooted, r.Outcome);
    }
}
