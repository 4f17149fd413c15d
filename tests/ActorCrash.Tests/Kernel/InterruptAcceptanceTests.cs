using ActorCrash.Actors;
using Xunit;
using static ActorCrash.Tests.Designs.Kit;
using static ActorCrash.Tests.Kernel.KernelKit;

namespace ActorCrash.Tests.Kernel;

/// <summary>
/// When a CPU takes an interrupt that arrived while its interrupts were off: at the instruction
/// boundary right after the popf of local_irq_restore() (or the sti of local_irq_enable(), whose
/// shadow is one instruction) — so before the next thing the interrupted code does, never one kernel
/// op later (Intel SDM vol. 3A §6.8.3 "Masking Maskable Hardware Interrupts"; domain reference §4.1).
/// Seen through 2.6.38's stop: stop_this_cpu() clears the CPU from cpu_online_mask, and
/// native_stop_other_cpus() goes on the moment the mask has only itself in it.
/// </summary>
public class InterruptAcceptanceTests
{
    private const string Instant = "timing { console-ns-per-char = 0ns }";

    /// <summary>The stopper sees the target offline within this of the target setting IF again (IPI and wake latencies).</summary>
    private const long Latency = 10 * Us;

    /// <summary>Every design that stops the other CPUs with the REBOOT_VECTOR first (vivek-2011 shoots them down with NMIs, which IF does not hold off).</summary>
    public static TheoryData<string> Designs => [.. All.Where(d => d != "vivek-2011")];

    [Theory]
    [MemberData(nameof(Designs))]
    public void A_stop_ipi_pending_during_the_timer_tick_is_taken_at_write_sequnlock_irqrestore(string design)
    {
        // CPU 1's tick holds xtime_lock with interrupts off over 1.0–1.5 ms; the REBOOT_VECTOR arrives at ~1.1 ms.
        var r = RunOn(design, 2, NoKdump, "panic=1", "{ cpu = 1, activity = timekeeping, period = 1ms, hold = 500us }",
            "{ at = 1100us, cpu = 0, event = panic, message = \"x\" }", Instant);

        Assert.InRange(TimeOf(r, "smp_send_stop: all other CPUs"), 1500 * Us, 1500 * Us + Latency);
        Assert.Equal("halted in stop_this_cpu < timekeeping", Cpu(r, 1).Doing);
        Assert.DoesNotContain(r.LocksHeld, l => l.Cpu == 1);  // it took the IPI after write_sequnlock, not holding xtime_lock
    }

    [Fact]
    public void A_stop_ipi_pending_under_spin_lock_irqsave_is_taken_at_spin_unlock_irqrestore_before_the_rest()
    {
        // CPU 1 holds ioapic_lock with interrupts off over 0–0.5 ms, rests 1 ms, holds it again over 1.5–2.0 ms.
        var r = RunOn("linux-2.6.38", 2, NoKdump, "panic=1", "{ cpu = 1, activity = lock-loop, lock = ioapic_lock, period = 1ms, hold = 500us }",
            "{ at = 1600us, cpu = 0, event = panic, message = \"x\" }", Instant);

        Assert.InRange(TimeOf(r, "smp_send_stop: all other CPUs offline"), 2000 * Us, 2000 * Us + Latency);
        Assert.Equal("halted in stop_this_cpu < lock_loop", Cpu(r, 1).Doing);
        Assert.Empty(r.LocksHeld);
    }

    /// <summary>
    /// An NMI that arrives while an NMI handler runs is latched and runs the moment the handler IRETs:
    /// io_check_error() waits 2 s in NMI context; the unknown NMI sent 0.5 s into it is reported right
    /// at the end of that wait, not later.
    /// </summary>
    [Fact]
    public void A_latched_nmi_runs_as_soon_as_the_nmi_handler_returns()
    {
        var r = RunOn("linux-2.6.38", 2, NoKdump, "panic=1", "",
            "{ at = 1ms, cpu = 0, event = io-check-nmi }, { at = 500ms, cpu = 0, event = unknown-nmi }", Instant);

        var iretAt = PrintedAt(r, "NMI: IOCK error") + 2 * S;   // the report, then the 2 s wait, then IRET
        Assert.InRange(PrintedAt(r, "Uhhuh. NMI received for unknown reason"), iretAt, iretAt + Latency);
        Assert.True(TimeOf(r, "NMI received for unknown reason") >= iretAt);
    }
}
