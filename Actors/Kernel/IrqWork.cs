using ActorCrash.Hardware;

namespace ActorCrash.Actors.Kernel;

/// <summary>The irq_work items the emulated kernel queues, one bit each in a CPU's lists.</summary>
[Flags]
public enum IrqWorkItem : byte
{
    None = 0,

    /// <summary>
    /// nmi_print_seq's work, __printk_nmi_flush() (kernel/printk/nmi.c, 4.7–4.10; printk_safe.c's
    /// __printk_safe_flush from 4.11): init_irq_work(), so not lazy — it raises the self-IPI.
    /// </summary>
    PrintkNmiFlush = 1,

    /// <summary>
    /// wake_up_klogd_work with PRINTK_PENDING_OUTPUT (defer_console_output(), kernel/printk/printk.c):
    /// IRQ_WORK_INIT_LAZY, so it waits for the next tick unless the tick is stopped.
    /// </summary>
    KlogdOutput = 2,
}

/// <summary>
/// Each CPU's irq_work lists (kernel/irq_work.c: the per-CPU raised_list and lazy_list) as the set
/// of items queued on it. A reset empties only the CPUs queued on since the last one (as
/// <see cref="NmiPrintBuffers"/>: at 4096 CPUs clearing every CPU's entry each run would read cold
/// memory for nothing).
/// </summary>
public sealed class IrqWorkLists(int cpuCount)
{
    private readonly IrqWorkItem[] _queued = new IrqWorkItem[cpuCount];
    private readonly List<int> _touched = [];

    /// <summary>irq_work_claim() and llist_add(): false if <paramref name="work"/> is already pending on <paramref name="cpu"/>.</summary>
    public bool Claim(int cpu, IrqWorkItem work)
    {
        var was = _queued[cpu];
        if ((was & work) != 0) return false;
        if (was == IrqWorkItem.None) _touched.Add(cpu);
        _queued[cpu] = was | work;
        return true;
    }

    /// <summary>What is queued on <paramref name="cpu"/>.</summary>
    public IrqWorkItem Queued(int cpu) => _queued[cpu];

    /// <summary>llist_del_all() of the lists <paramref name="which"/> names: the items taken off, which may be queued again while they run.</summary>
    public IrqWorkItem Take(int cpu, IrqWorkItem which)
    {
        var taken = _queued[cpu] & which;
        _queued[cpu] &= ~which;
        return taken;
    }

    /// <summary>Every list empty again (a new run).</summary>
    public void Reset()
    {
        foreach (var cpu in _touched) _queued[cpu] = IrqWorkItem.None;
        _touched.Clear();
    }
}

/// <summary>
/// irq_work (kernel/irq_work.c, arch/x86/kernel/irq_work.c): work queued from NMI context that runs
/// in hard-interrupt context on the same CPU once it can take an interrupt. A non-lazy item raises
/// IRQ_WORK_VECTOR as a self-IPI (apic->send_IPI_self(); the CPU has a local APIC); a lazy one waits
/// for the next timer tick (irq_work_tick() from update_process_times()), unless the tick is stopped
/// (NOHZ idle: tick_nohz_tick_stopped()), when it raises the self-IPI too. Either vector is maskable:
/// a CPU that stays with interrupts off (a hard lockup) never runs the work.
/// Simplified: the emulator has no periodic tick; a lazy item arms the CPU's local timer for the next
/// tick boundary (HZ=1000, as the timekeeping CPU's default tick), and that tick does only irq_work_tick().
/// </summary>
public static class IrqWork
{
    /// <summary>1/HZ with HZ=1000 (Config/CpuEntries: the timekeeping CPU's default tick).</summary>
    public const long TickNs = VirtualTime.Millisecond;

    /// <summary>Whether the item waits for the tick (IRQ_WORK_LAZY).</summary>
    private static bool IsLazy(IrqWorkItem work) => work == IrqWorkItem.KlogdOutput;

    /// <summary>irq_work_queue(work) on this CPU: claim it, then raise the self-IPI or wait for the tick.</summary>
    public static void Queue(CpuActor cpu, IrqWorkItem work)
    {
        if (!cpu.Machine.Kernel.IrqWork.Claim(cpu.Id, work)) return;  // already pending: its run will see the new data
        if (!IsLazy(work) || cpu.TickStopped)
        {
            cpu.Apic.RaiseLocal(InterruptVector.IrqWork);  // arch_irq_work_raise()
            return;
        }
        // "If the work is lazy, handle it from next tick if any": the local APIC timer's next expiry.
        cpu.Runtime.Send(cpu.Address, cpu.Address, LocalTimerTick, TickNs - cpu.Runtime.Now % TickNs);
    }

    private static readonly DeliverIpi LocalTimerTick = new(InterruptVector.LocalTimer);

    /// <summary>smp_irq_work_interrupt() → irq_work_run(): the raised list, then the lazy list.</summary>
    public static IEnumerable<Op> IrqWorkInterrupt(CpuActor cpu) => Run(cpu, IrqWorkItem.PrintkNmiFlush | IrqWorkItem.KlogdOutput);

    /// <summary>The local timer interrupt: update_process_times() → irq_work_tick(), the lazy list (the raised one has its IPI).</summary>
    public static IEnumerable<Op> TimerInterrupt(CpuActor cpu) => Run(cpu, IrqWorkItem.KlogdOutput);

    private static IEnumerable<Op> Run(CpuActor cpu, IrqWorkItem lists)
    {
        var work = cpu.Machine.Kernel.IrqWork.Take(cpu.Id, lists);
        if ((work & IrqWorkItem.PrintkNmiFlush) != 0) yield return Op.Call(Printk.PrintkNmiFlushWork(cpu));
        if ((work & IrqWorkItem.KlogdOutput) != 0) yield return Op.Call(Printk.WakeUpKlogdWorkFunc(cpu));
    }
}
