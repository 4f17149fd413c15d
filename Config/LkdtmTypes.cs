namespace ActorCrash.Config;

/// <summary>
/// LKDTM crash types (drivers/misc/lkdtm/bugs.c, written to /sys/kernel/debug/provoke-crash/DIRECT)
/// as the triggers of what the kernel then does. Domain reference §5.1. The detector delays are the
/// kernel's defaults: watchdog_thresh = 10 s for a hard lockup, twice that (reported at ≈22 s) for a
/// soft lockup, hung_task_timeout_secs = 120 s [U: the exact report times].
/// </summary>
public static class LkdtmTypes
{
    private const long Second = 1_000_000_000;

    public static IReadOnlyList<string> Names { get; } =
    [
        "PANIC", "PANIC_STOP_IRQOFF", "PANIC_IN_HARDIRQ", "BUG", "BUG_IN_HARDIRQ", "EXCEPTION", "WARNING", "WARNING_MESSAGE",
        "HARDLOCKUP", "SOFTLOCKUP", "SPINLOCKUP", "LOOP", "HUNG_TASK",
    ];

    /// <summary>What writing <paramref name="type"/> to provoke-crash/DIRECT on <paramref name="cpu"/> at <paramref name="at"/> sets off.</summary>
    public static IEnumerable<TriggerSpec> Expand(string type, long at, long? atMax, int cpu, int cpuCount)
    {
        TriggerSpec T(TriggerKind kind, int on, string text = "", long after = 0) =>
            new(at + after, kind, on, text, [], atMax is { } m ? m + after : null);
        switch (type)
        {
            case "PANIC":
                return [T(TriggerKind.Panic, cpu, "dumptest")];
            case "PANIC_STOP_IRQOFF":
                // stop_machine(): every CPU spins with interrupts off; the last one in panics. Only an NMI stops the others.
                return [.. Enumerable.Range(0, cpuCount).Where(c => c != cpu).Select(c => T(TriggerKind.Wedge, c)),
                    T(TriggerKind.Panic, cpu, "panic stop irqoff test")];
            case "PANIC_IN_HARDIRQ":
                return [T(TriggerKind.Panic, cpu, "from hard IRQ context")];
            case "BUG":
                return [T(TriggerKind.Oops, cpu, "invalid opcode")];             // BUG(): ud2, die("invalid opcode")
            case "BUG_IN_HARDIRQ":
                return [T(TriggerKind.OopsInIrq, cpu, "invalid opcode")];
            case "EXCEPTION":
                return [T(TriggerKind.Oops, cpu, "Oops")];                       // *(int *)0 = 0: a page fault oops
            case "WARNING" or "WARNING_MESSAGE":
                return [T(TriggerKind.Warn, cpu, "drivers/misc/lkdtm/bugs.c:86 lkdtm_WARNING+0x1a/0x20")];
            case "HARDLOCKUP":
                // local_irq_disable(); for (;;): the perf NMI watchdog fires after watchdog_thresh.
                return [T(TriggerKind.Wedge, cpu), T(TriggerKind.NmiWatchdog, cpu, $"Watchdog detected hard LOCKUP on cpu {cpu}", 10 * Second)];
            case "SOFTLOCKUP" or "SPINLOCKUP" or "LOOP":
                // preemption off, spinning with interrupts on: the hrtimer's soft-lockup check reports it.
                return [T(TriggerKind.SoftLockup, cpu, after: 22 * Second)];
            case "HUNG_TASK":
                // set_current_state(TASK_UNINTERRUPTIBLE); schedule(): khungtaskd reports it.
                return [T(TriggerKind.HungTask, cpu, after: 120 * Second)];
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "not an LKDTM type the emulator maps");
        }
    }
}
