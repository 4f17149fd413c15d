using ActorCrash.Hardware;

namespace ActorCrash.Actors.Kernel;

/// <summary>
/// The pieces of kernel/panic.c every era's panic() shares: the notifier chain, the panic_timeout
/// countdown, the final loop, panic_smp_self_stop(), and (6.x) sys_info() for panic_print.
/// </summary>
/// <summary>A callback on panic_notifier_list: its name and the code panic() runs when it calls the chain.</summary>
public sealed record PanicNotifier(string Name, Func<CpuActor, IEnumerable<Op>> Call);

public static class KernelPanic
{
    public const long PanicTimerStepNs = 100 * VirtualTime.Millisecond;  // PANIC_TIMER_STEP

    /// <summary>atomic_notifier_call_chain(&amp;panic_notifier_list, 0, buf): every registered callback in order, under rcu_read_lock().</summary>
    public static IEnumerable<Op> AtomicNotifierCallChain(CpuActor cpu)
    {
        foreach (var notifier in cpu.Machine.Kernel.PanicNotifierList)
        {
            cpu.Machine.Kernel.Milestone(cpu, $"panic notifier {notifier.Name}");
            yield return Op.Call(notifier.Call(cpu));
        }
    }

    /// <summary>
    /// The notifiers this kernel registers itself (the x86 dump_kernel_offset notifier, 3.15 with KASLR)
    /// and then the scenario's, in registration order.
    /// </summary>
    public static void RegisterPanicNotifiers(KernelState k, Designs.PanicDesign design, IEnumerable<Config.NotifierSpec> scenario)
    {
        // Stryker disable once Statement : called once, from Machine's constructor, on the new KernelState's empty list
        k.PanicNotifierList.Clear();
        if (design.Era.KernelOffsetNotifier) k.PanicNotifierList.Add(new PanicNotifier("dump_kernel_offset", DumpKernelOffset));
        foreach (var n in scenario)
            k.PanicNotifierList.Add(new PanicNotifier(n.Name, cpu => Dumpers.Scripted.Run(cpu, n.Script, $"panic notifier {n.Name}", rebootNeverReturns: true)));
    }

    /// <summary>arch/x86/kernel/setup.c dump_kernel_offset(): "Kernel Offset: 0x… from 0x… (relocation range: …)".</summary>
    private static IEnumerable<Op> DumpKernelOffset(CpuActor cpu)
    {
        yield return Op.Call(Printk.PrEmerg(cpu, "Kernel Offset: 0x1e000000 from 0xffffffff81000000 (relocation range: 0xffffffff80000000-0xffffffffbfffffff)"));
    }

    /// <summary>
    /// panic_timeout &gt; 0: "Rebooting in %d seconds..", then timeout seconds of 100 ms steps of
    /// touch_nmi_watchdog(); panic_blink(); mdelay(PANIC_TIMER_STEP). "Delay timeout seconds before
    /// rebooting the machine. We can't use the "normal" timers since we just panicked." The software
    /// NMI watchdog is touched; a hardware watchdog keeps counting.
    /// </summary>
    public static IEnumerable<Op> PanicTimeoutCountdown(CpuActor cpu)
    {
        var k = cpu.Machine.Kernel;
        yield return Op.Call(Printk.PrEmerg(cpu, $"Rebooting in {k.PanicTimeout} seconds.."));
        for (long i = 0; i < k.PanicTimeout * 1000L * VirtualTime.Millisecond; i += PanicTimerStepNs)
            yield return Op.Delay(PanicTimerStepNs);
    }

    /// <summary>
    /// The end of panic() when nothing rebooted: local_irq_enable(); for (;;) { touch_softlockup_watchdog();
    /// panic_blink(); mdelay(PANIC_TIMER_STEP); }. The machine sits until reset or a hardware watchdog.
    /// </summary>
    public static IEnumerable<Op> PanicFinalLoop(CpuActor cpu)
    {
        cpu.Machine.Kernel.Milestone(cpu, "panic: final loop (no reboot)");
        cpu.Fate = CpuFate.PanicLoop;
        cpu.LocalIrqEnable();
        yield return Op.SpinForever("panic: for (;;) mdelay(PANIC_TIMER_STEP)");
    }

    /// <summary>
    /// panic_smp_self_stop(), the weak default (3.5+): "Stop ourself in panic -- architecture code may
    /// override this". A second CPU in panic() spins here with interrupts off, still online, its
    /// registers unsaved, until the first CPU's smp_send_stop() reaches it with an NMI.
    /// </summary>
    public static IEnumerable<Op> PanicSmpSelfStop(CpuActor cpu)
    {
        cpu.Machine.Kernel.Milestone(cpu, "panic_smp_self_stop");
        cpu.Fate = CpuFate.SelfStopped;
        yield return Op.SpinForever("panic_smp_self_stop: while (1) cpu_relax()");
    }

    // panic_print bits (kernel/panic.c, lib/sys_info.c)
    public const int PrintTaskInfo = 0x1, PrintMemInfo = 0x2, PrintTimerInfo = 0x4, PrintLockInfo = 0x8,
        PrintFtraceInfo = 0x10, PrintAllPrintkMsg = 0x20, PrintAllCpuBt = 0x40, PrintBlockedTasks = 0x80;

    private static readonly (int Bit, string[] Lines)[] SysInfoDumps =
    [
        (PrintTaskInfo, ["Task dump for CPU 0:", "task:init            state:S stack:0     pid:1     ppid:0      flags:0x00000000"]),
        (PrintMemInfo, ["Mem-Info:", "active_anon:10240 inactive_anon:2048 isolated_anon:0", "free:1843200 free_pcp:512 free_cma:0"]),
        (PrintTimerInfo, ["Timer List Version: v0.9", "now at 1000000000 nsecs"]),
        (PrintLockInfo, ["", "Showing all locks held in the system:"]),
        (PrintFtraceInfo, ["Dumping ftrace buffer:", "   (ftrace buffer empty)"]),
        (PrintBlockedTasks, ["Showing all blocked tasks"]),
    ];

    /// <summary>sys_info(panic_print) (panic_print_sys_info() before 6.17): the dumps the mask asks for, printed on the panic CPU.</summary>
    public static IEnumerable<Op> SysInfo(CpuActor cpu, int mask)
    {
        foreach (var (bit, lines) in SysInfoDumps)
        {
            if ((mask & bit) == 0) continue;
            foreach (var line in lines) yield return Op.Call(Printk.Vprintk(cpu, line));
        }
    }
}
