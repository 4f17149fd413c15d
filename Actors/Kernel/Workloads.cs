using ActorCrash.Config;

namespace ActorCrash.Actors.Kernel;

/// <summary>
/// What the other CPUs are doing when the panic comes: the scenario's initial CPU states as kernel
/// code. They take and release locks, print, keep time, or spin with interrupts off.
/// </summary>
public static class Workloads
{
    public static Func<CpuActor, IEnumerable<Op>> For(CpuSpec spec) => spec.Activity switch
    {
        CpuActivity.Idle => spec.Holding.Count == 0 ? _ => IdleLoop() : cpu => WithLocks(cpu, spec.Holding, IdleLoop()),
        CpuActivity.Spin => cpu => Spin(cpu, spec.IrqsOff, spec.Holding),
        CpuActivity.PrintkLoop => cpu => PrintkLoop(cpu, spec.PeriodNs, spec.HoldNs),
        CpuActivity.LockLoop => cpu => LockLoop(cpu, cpu.Machine.Kernel.Lock(spec.Lock!), spec.PeriodNs, spec.HoldNs),
        CpuActivity.Timekeeping => cpu => Timekeeping(cpu, spec.PeriodNs, spec.HoldNs),
        CpuActivity.InNmi => cpu => StuckInNmi(cpu),
        _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Activity, null),
    };

    /// <summary>
    /// True if <see cref="For"/>(<paramref name="spec"/>) only starts the idle loop: its power-on sends
    /// nothing, takes no lock and reads no clock, so the machine may defer it to the CPU's first message.
    /// </summary>
    public static bool PowersOnQuietly(CpuSpec spec) => spec.Activity == CpuActivity.Idle && spec.Holding.Count == 0;

    /// <summary>cpu_idle(): HLT with interrupts on, forever (one shared, stateless instance: <see cref="IdleLoopCode"/>).</summary>
    public static IEnumerable<Op> IdleLoop() => IdleLoopCode.Instance;

    /// <summary>A busy loop; with interrupts off it is a hard lockup that only an NMI can interrupt.</summary>
    public static IEnumerable<Op> Spin(CpuActor cpu, bool irqsOff, IReadOnlyList<string> holding)
    {
        if (irqsOff) cpu.LocalIrqDisable();
        foreach (var name in holding) yield return Op.SpinLock(cpu.Machine.Kernel.Lock(name));
        if (irqsOff) cpu.Fate = CpuFate.Wedged;
        yield return Op.SpinForever(irqsOff ? "hard lockup" : "busy loop");
    }

    /// <summary>A trigger: the CPU wedges now, interrupts off, holding the named locks (comma-separated).</summary>
    public static IEnumerable<Op> Wedge(CpuActor cpu, string locks) =>
        Spin(cpu, irqsOff: true, locks.Length == 0 ? [] : locks.Split(','));

    /// <summary>A driver that logs: printk a line every period; printk holds logbuf_lock with interrupts off.</summary>
    public static IEnumerable<Op> PrintkLoop(CpuActor cpu, long periodNs, long holdNs)
    {
        var k = cpu.Machine.Kernel;
        for (var n = 1; ; n++)
        {
            yield return Op.Delay(periodNs);
            var flags = cpu.LocalIrqSave();
            yield return Op.SpinLock(k.LogbufLock);
            yield return Op.Delay(holdNs);  // a long vsnprintf/emit under logbuf_lock
            cpu.Unlock(k.LogbufLock);
            cpu.LocalIrqRestore(flags);
            yield return Op.Call(Printk.Vprintk(cpu, TxTimeout(n)));
        }
    }

    // The driver's line for iteration n; the first ones made once per process (every run prints them again).
    private static readonly string?[] TxTimeoutLines = new string?[1024];

    // Stryker disable once Conditional,Assignment : a cache of Format(n): without it, or refilled each time, the line is the same string
    private static string TxTimeout(int n) =>
        n < TxTimeoutLines.Length ? TxTimeoutLines[n] ??= Format(n) : Format(n);

    private static string Format(int n) => $"eth0: tx timeout, resetting queue {n}";

    /// <summary>spin_lock_irqsave(lock); hold; unlock; rest — over and over.</summary>
    public static IEnumerable<Op> LockLoop(CpuActor cpu, KernelLock l, long periodNs, long holdNs)
    {
        while (true)
        {
            var flags = cpu.LocalIrqSave();
            yield return Op.SpinLock(l);
            yield return Op.Delay(holdNs);
            cpu.Unlock(l);
            cpu.LocalIrqRestore(flags);
            yield return Op.Delay(periodNs);
        }
    }

    /// <summary>The timer tick on the timekeeping CPU: write_seqlock(&amp;xtime_lock), update, write_sequnlock.</summary>
    public static IEnumerable<Op> Timekeeping(CpuActor cpu, long periodNs, long holdNs)
    {
        var xtime = cpu.Machine.Kernel.XtimeLock;
        while (true)
        {
            yield return Op.Delay(periodNs);
            var flags = cpu.LocalIrqSave();  // the tick runs in hard interrupt context
            yield return Op.SpinLock(xtime);
            yield return Op.Delay(holdNs);
            cpu.Unlock(xtime);
            cpu.LocalIrqRestore(flags);
        }
    }

    /// <summary>A CPU stuck inside an NMI handler: further NMIs are blocked (one latched), IPIs stay pending.</summary>
    public static IEnumerable<Op> StuckInNmi(CpuActor cpu)
    {
        cpu.Apic.EnterNmi();
        cpu.LocalIrqDisable();
        cpu.Fate = CpuFate.Wedged;
        yield return Op.SpinForever("stuck in an NMI handler");
    }

    private static IEnumerable<Op> WithLocks(CpuActor cpu, IReadOnlyList<string> holding, IEnumerable<Op> then)
    {
        foreach (var name in holding) yield return Op.SpinLock(cpu.Machine.Kernel.Lock(name));
        foreach (var op in then) yield return op;
    }
}
