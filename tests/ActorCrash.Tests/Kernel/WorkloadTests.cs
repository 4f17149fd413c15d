using ActorCrash.Actors;
using Xunit;
using static ActorCrash.Tests.Designs.Kit;
using static ActorCrash.Tests.Kernel.KernelKit;

namespace ActorCrash.Tests.Kernel;

/// <summary>
/// What the other CPUs are doing when the panic comes (Workloads.cs), seen from the outside: which
/// locks they hold, whether interrupts are off (then 2.6.38's stop IPI cannot stop them), how long
/// they hold a lock the panic CPU needs, and what they print.
/// </summary>
public class WorkloadTests
{
    private const string Instant = "timing { console-ns-per-char = 0ns }";

    // A WARN on CPU 0 does not panic: the run ends with every other CPU still doing what it does.
    private const string WarnOnly = "{ at = 1ms, cpu = 0, event = warn }";

    [Theory]
    [InlineData("{ cpu = 1, activity = spin }", CpuFate.Running, "looping forever: busy loop (interrupts on) in spin")]
    [InlineData("{ cpu = 1, activity = spin, irqs = off }", CpuFate.Wedged, "looping forever: hard lockup (interrupts off) in spin")]
    [InlineData("{ cpu = 1, activity = in-nmi }", CpuFate.Wedged, "looping forever: stuck in an NMI handler (interrupts off) in stuck_in_nmi")]
    public void A_spinning_cpu_is_a_busy_loop_with_interrupts_on_and_a_hard_lockup_with_them_off(string cpu, CpuFate fate, string doing)
    {
        var r = RunOn("linux-2.6.38", 2, NoKdump, "panic=1", cpu, WarnOnly);

        Assert.Equal(Outcome.Survived, r.Outcome);
        Assert.Equal(fate, Cpu(r, 1).Fate);
        Assert.Equal(doing, Cpu(r, 1).Doing);
        Assert.True(Cpu(r, 1).Online);
    }

    [Fact]
    public void An_idle_cpu_holding_locks_idles_with_them_held_and_is_stopped_with_them()
    {
        var r = RunOn("linux-2.6.38", 2, NoKdump, "panic=1", "{ cpu = 1, activity = idle, holding = [xtime_lock, ioapic_lock] }", WarnOnly);
        Assert.Equal("idle (HLT) in with_locks", Cpu(r, 1).Doing);
        Assert.Equal([("xtime_lock", 1), ("ioapic_lock", 1)], r.LocksHeld.Select(l => (l.Lock, l.Cpu)));

        var p = RunOn("linux-2.6.38", 2, NoKdump, "panic=1", "{ cpu = 1, activity = idle, holding = [xtime_lock] }");
        Assert.Equal(CpuFate.StoppedByIpi, Cpu(p, 1).Fate);
        Assert.Equal("halted in stop_this_cpu < with_locks", Cpu(p, 1).Doing);
        Assert.Equal([("xtime_lock", 1, "StoppedByIpi")], p.LocksHeld.Select(l => (l.Lock, l.Cpu, l.HolderFate)));
    }

    [Fact]
    public void A_wedge_trigger_spins_with_interrupts_off_holding_the_locks_it_names_or_none()
    {
        var held = RunOn("linux-2.6.38", 2, NoKdump, "panic=1", "",
            "{ at = 1ms, cpu = 1, event = wedge, holding = [xtime_lock, ioapic_lock] }, { at = 2ms, cpu = 0, event = warn }");
        Assert.Equal(CpuFate.Wedged, Cpu(held, 1).Fate);
        Assert.StartsWith("looping forever: hard lockup (interrupts off) in spin", Cpu(held, 1).Doing);
        Assert.Equal([("xtime_lock", 1), ("ioapic_lock", 1)], held.LocksHeld.Select(l => (l.Lock, l.Cpu)));

        var none = RunOn("linux-2.6.38", 2, NoKdump, "panic=1", "", "{ at = 1ms, cpu = 1, event = wedge }, { at = 2ms, cpu = 0, event = warn }");
        Assert.Equal(CpuFate.Wedged, Cpu(none, 1).Fate);
        Assert.Empty(none.LocksHeld);
    }

    /// <summary>
    /// The logging driver: every period it holds logbuf_lock (interrupts off) for its hold, then
    /// printks its line; between lines interrupts are on, so 2.6.38's stop IPI stops it at once.
    /// </summary>
    [Fact]
    public void A_printk_loop_logs_a_line_per_period_after_its_hold_and_takes_the_stop_ipi_between_lines()
    {
        var r = RunOn("linux-2.6.38", 2, NoKdump, "panic=1", "{ cpu = 1, activity = printk-loop, period = 1ms, hold = 20us }",
            "{ at = 3500us, cpu = 0, event = panic, message = \"x\" }", Instant);

        Assert.Equal(["[    0.001020] eth0: tx timeout, resetting queue 1", "[    0.002041] eth0: tx timeout, resetting queue 2",
            "[    0.003061] eth0: tx timeout, resetting queue 3", "[    0.003500] Kernel panic - not syncing: x"], r.Console.Take(4).Select(l => l.Text));
        Assert.Equal("smp_send_stop: all other CPUs offline", Assert.Single(r.Milestones, m => m.What.StartsWith("smp_send_stop", StringComparison.Ordinal)).What);
        Assert.True(TimeOf(r, "smp_send_stop") < 4 * Ms);
        Assert.Equal(CpuFate.StoppedByIpi, Cpu(r, 1).Fate);
    }

    [Fact]
    public void A_printk_loop_keeps_counting_past_its_first_thousand_lines()
    {
        var r = RunOn("linux-2.6.38", 2, NoKdump, "panic=1", "{ cpu = 1, activity = printk-loop, period = 1ms, hold = 1us }",
            "{ at = 1030ms, cpu = 0, event = panic, message = \"x\" }", Instant);

        foreach (var n in new[] { 1, 1023, 1024, 1025 })
            Assert.Single(r.Console, l => l.Text.EndsWith($"] eth0: tx timeout, resetting queue {n}", StringComparison.Ordinal));
        Assert.Equal(Outcome.Rebooted, r.Outcome);
    }

    /// <summary>
    /// spin_lock_irqsave(logbuf_lock) for 50 µs every 1 ms: a panic at 1.06 ms, inside the second
    /// hold (1.05–1.10 ms), stores its first line only when the loop lets go; the loop then rests with
    /// interrupts on, where the stop IPI finds it.
    /// </summary>
    [Fact]
    public void A_lock_loop_makes_the_panic_wait_for_its_hold_and_is_stopped_between_holds()
    {
        var r = RunOn("linux-2.6.38", 2, NoKdump, "panic=1", "{ cpu = 1, activity = lock-loop, lock = logbuf_lock, period = 1ms, hold = 50us }",
            "{ at = 1060us, cpu = 0, event = panic, message = \"x\" }", Instant);

        var first = r.Console[0];
        Assert.Equal("[    0.001100] Kernel panic - not syncing: x", first.Text);
        Assert.InRange(first.TimeNs, 1100 * Us, 1101 * Us);
        Assert.Equal("smp_send_stop: all other CPUs offline", Assert.Single(r.Milestones, m => m.What.StartsWith("smp_send_stop", StringComparison.Ordinal)).What);
        Assert.True(TimeOf(r, "smp_send_stop") < 2 * Ms);
        Assert.Equal(CpuFate.StoppedByIpi, Cpu(r, 1).Fate);
        Assert.Empty(r.LocksHeld);
    }

    /// <summary>
    /// The timer tick on the timekeeping CPU holds xtime_lock in hard interrupt context (interrupts
    /// off): the stop IPI sent at ≈1.1 ms, during the tick of 1.0–1.5 ms, is taken only after it, and
    /// the CPU stops with xtime_lock free — well before 2.6.38's 1 s give-up.
    /// </summary>
    [Fact]
    public void The_timer_tick_holds_off_the_stop_ipi_until_it_releases_xtime_lock()
    {
        var r = RunOn("linux-2.6.38", 2, NoKdump, "panic=1", "{ cpu = 1, activity = timekeeping, period = 1ms, hold = 500us }",
            "{ at = 1100us, cpu = 0, event = panic, message = \"x\" }", Instant);

        Assert.Equal("smp_send_stop: all other CPUs offline", Assert.Single(r.Milestones, m => m.What.StartsWith("smp_send_stop", StringComparison.Ordinal)).What);
        Assert.InRange(TimeOf(r, "smp_send_stop"), 1500 * Us, 100 * Ms);
        Assert.Equal(CpuFate.StoppedByIpi, Cpu(r, 1).Fate);
        Assert.Equal("halted in stop_this_cpu < timekeeping", Cpu(r, 1).Doing);
        Assert.Empty(r.LocksHeld);
    }
}
