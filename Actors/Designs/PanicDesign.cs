using ActorCrash.Actors.Kernel;
using ActorCrash.Config;
using ActorCrash.Hardware;

namespace ActorCrash.Actors.Designs;

/// <summary>
/// A panic-path design: one class whose <see cref="Panic"/> reads top to bottom like the kernel's
/// panic() it models, one line per step, named after the kernel function. The arch code it calls
/// (stopping CPUs, kexec, restart) and the interrupt handlers it installs are part of the design,
/// because they changed with the kernel too. Designs are stateless singletons shared by every
/// machine: all state lives in <see cref="KernelState"/>.
/// </summary>
public abstract class PanicDesign
{
    public abstract string Name { get; }

    /// <summary>The kernel version or commit the design stands for.</summary>
    public abstract string Models { get; }

    /// <summary>The kernel version whose mechanisms the shared code (printk, pstore, dumpers, x86) follows under this design.</summary>
    public abstract KernelEra Era { get; }

    /// <summary>One line for `actorcrash designs`.</summary>
    public abstract string Summary { get; }

    /// <summary>What the design does differently, and where it had to pick a detail the sources leave open.</summary>
    public abstract string Description { get; }

    /// <summary>The step names of <see cref="Panic"/>, in order, for `show-design`.</summary>
    public abstract IReadOnlyList<string> Steps { get; }

    /// <summary>panic(fmt, …) on <paramref name="cpu"/>. Never returns.</summary>
    public abstract IEnumerable<Op> Panic(CpuActor cpu, string message);

    // ---- the era's kernel, as the shared code (oops, sysrq, NMI handlers) calls it ----

    /// <summary>kmsg_dump(reason) of this kernel.</summary>
    public abstract IEnumerable<Op> KmsgDump(CpuActor cpu, KmsgDumpReason reason);

    /// <summary>crash_kexec(regs) as the oops path calls it.</summary>
    public abstract IEnumerable<Op> CrashKexec(CpuActor cpu);

    /// <summary>
    /// kexec_should_crash(current): "in_interrupt() || !p->pid || is_global_init(p) || panic_on_oops".
    /// The oopsing task is an ordinary process, so it comes down to the interrupt context and
    /// panic_on_oops (which sysrq-c forces before 5.0).
    /// </summary>
    public virtual bool KexecShouldCrash(CpuActor cpu, bool inInterrupt) => inInterrupt || cpu.Machine.Kernel.PanicOnOops;

    /// <summary>printk() without logbuf_lock: the lockless ringbuffer (5.10+).</summary>
    public virtual bool LocklessPrintk => false;

    /// <summary>arch_kexec_protect_crashkres() (≈4.6): the loaded crash kernel is mapped read-only.</summary>
    public virtual bool ProtectsCrashKernel => false;

    /// <summary>
    /// emergency_restart() (kernel/sys.c, later kernel/reboot.c): kmsg_dump(KMSG_DUMP_EMERG), then
    /// machine_emergency_restart() — "emergency_restart is just supposed to be the restart bits",
    /// Eric objected; the hook is still there today, filtered by max_reason.
    /// </summary>
    public virtual IEnumerable<Op> EmergencyRestart(CpuActor cpu)
    {
        cpu.Machine.Kernel.Milestone(cpu, "emergency_restart");
        yield return Op.Call(KmsgDump(cpu, KmsgDumpReason.Emerg));
        yield return Op.Call(X86.MachineEmergencyRestart(cpu));
    }

    /// <summary>The hard-lockup detector's panic: panic() until 4.4, nmi_panic() from 4.5.</summary>
    protected virtual IEnumerable<Op> HardlockupPanic(CpuActor cpu, string message) => Panic(cpu, message);

    /// <summary>
    /// nmi_panic() (4.5): the first CPU to take panic_cpu panics; a CPU that loses to another
    /// self-stops in NMI context (nmi_panic_self_stop); the panicking CPU itself returns to its panic.
    /// </summary>
    protected IEnumerable<Op> NmiPanic(CpuActor cpu, string message)
    {
        var old = cpu.Machine.Kernel.PanicCpuCmpxchg(cpu.Id);
        if (old == KernelState.PanicCpuInvalid) return Panic(cpu, message);
        return old != cpu.Id ? X86v3.NmiPanicSelfStop(cpu) : [];
    }

    // ---- entry points besides panic() ----

    /// <summary>A trigger that makes the code on <paramref name="cpu"/> take another way in. A stopped CPU runs nothing.</summary>
    public IEnumerable<Op> Enter(CpuActor cpu, TriggerKind kind, string text)
    {
        if (cpu.Fate is CpuFate.StoppedByIpi or CpuFate.StoppedByNmi or CpuFate.SelfStopped or CpuFate.InCrashKernel) return [];
        return kind switch
        {
            TriggerKind.Oops => Traps.Die(cpu, text, this, OopsContext.Task),
            TriggerKind.OopsInIrq => Traps.Die(cpu, text, this, OopsContext.Irq),
            TriggerKind.OopsInNmi => Traps.Die(cpu, text, this, OopsContext.Nmi),
            TriggerKind.SysrqReboot => SysrqReboot(cpu),
            TriggerKind.SysrqCrash => EntryPoints.SysrqHandleCrash(cpu, this),
            TriggerKind.StrayWrite => Traps.StrayWrite(cpu, ProtectsCrashKernel),
            TriggerKind.SoftLockup => EntryPoints.WatchdogTimerFn(cpu, this),
            TriggerKind.HungTask => EntryPoints.CheckHungTask(cpu, this),
            TriggerKind.Warn => EntryPoints.Warn(cpu, this, text),
            TriggerKind.Reboot => EntryPoints.KernelRestart(cpu, this),
            TriggerKind.Halt => EntryPoints.KernelHalt(cpu, this, powerOff: false),
            TriggerKind.Poweroff => EntryPoints.KernelHalt(cpu, this, powerOff: true),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not an entry point"),
        };
    }

    /// <summary>
    /// A panic from NMI context (the hard-lockup detector, an unknown or IO-check NMI with its *_panic
    /// knob): panic() until 4.4, nmi_panic() from 4.5.
    /// </summary>
    public IEnumerable<Op> PanicFromNmi(CpuActor cpu, string message) => HardlockupPanic(cpu, message);

    /// <summary>sysrq-b: __handle_sysrq() → sysrq_handle_reboot(): lockdep_off(); local_irq_enable(); emergency_restart().</summary>
    public IEnumerable<Op> SysrqReboot(CpuActor cpu) => SysrqHandleReboot(cpu);

    private IEnumerable<Op> SysrqHandleReboot(CpuActor cpu)
    {
        cpu.Machine.Kernel.Milestone(cpu, "sysrq: Resetting");
        yield return Op.Call(Printk.Vprintk(cpu, Era.SysrqPrefix + "Resetting"));
        cpu.LocalIrqEnable();
        yield return Op.Call(EmergencyRestart(cpu));
    }

    // ---- interrupt handlers ----

    /// <summary>
    /// The handler a fixed vector runs on its CPU: REBOOT_VECTOR stops the CPU (smp_reboot_interrupt),
    /// IRQ_WORK_VECTOR runs its irq_work (smp_irq_work_interrupt), the local timer's tick its lazy irq_work.
    /// </summary>
    public virtual IEnumerable<Op> HandleIpi(CpuActor cpu, InterruptVector vector) => vector switch
    {
        InterruptVector.Reboot => X86.StopThisCpu(cpu),
        InterruptVector.IrqWork => IrqWork.IrqWorkInterrupt(cpu),
        InterruptVector.LocalTimer => IrqWork.TimerInterrupt(cpu),
        _ => [],
    };

    /// <summary>
    /// do_nmi(): the NMI handlers this kernel registered, NMI_FLAG_FIRST ones first: the backtrace
    /// panic_print asked for (6.x), smp_stop_nmi_callback once smp_send_stop() fell back to NMIs
    /// (3.5+), crash_nmi_callback once nmi_shootdown_cpus() registered it (the crashing CPU itself
    /// ignores it); otherwise the hard-lockup watchdog or an unknown NMI.
    /// </summary>
    public virtual IEnumerable<Op> HandleNmi(CpuActor cpu, NmiSource source)
    {
        var k = cpu.Machine.Kernel;
        if (k.BacktraceMask[cpu.Id])
            return X86v6.NmiCpuBacktrace(cpu);
        if (k.StopNmiHandlerRegistered && cpu.Id != k.StoppingCpu)
            return X86.StopThisCpu(cpu, CpuFate.StoppedByNmi);  // "We are registered on stopping cpu too, avoid spurious NMI"
        if (k.CrashNmiCallbackRegistered)
            return cpu.Id == k.CrashingCpu ? [] : X86.CrashNmiCallback(cpu);
        return source switch
        {
            NmiSource.Watchdog => WatchdogOverflowCallback(cpu),
            NmiSource.IoCheck => EntryPoints.IoCheckError(cpu, this),
            _ => EntryPoints.UnknownNmiError(cpu, this),
        };
    }

    /// <summary>watchdog_overflow_callback(): a hard lockup panics only with nmi_watchdog=panic (hardlockup_panic).</summary>
    private IEnumerable<Op> WatchdogOverflowCallback(CpuActor cpu)
    {
        var mode = cpu.Machine.Kernel.Cmdline.NmiWatchdog;
        if (mode == "0") yield break;  // the detector is off
        var message = $"Watchdog detected hard LOCKUP on cpu {cpu.Id}";
        if (Era.HardLockupWording)
        {
            // 4.x: pr_emerg("Watchdog detected hard LOCKUP on cpu %d"); ... nmi_panic(regs, "Hard LOCKUP")
            yield return Op.Call(Printk.PrEmerg(cpu, $"NMI watchdog: {message}"));
            if (mode == "panic") yield return Op.Call(HardlockupPanic(cpu, "Hard LOCKUP"));
            yield break;
        }
        if (mode == "panic")
        {
            yield return Op.Call(HardlockupPanic(cpu, message));
            // Stryker disable once Statement : before 4.x the hard-lockup panic is panic() itself, which never returns
            yield break;
        }
        yield return Op.Call(Printk.Vprintk(cpu, $"WARNING: {message}"));
    }
}

/// <summary>Every design the emulator offers, by name, oldest first.</summary>
public static class Designs
{
    public static IReadOnlyList<PanicDesign> All { get; } =
        [new Linux2638(), new Vivek2011(), new Eric2011(), new Linux312(), new Linux45(), new Linux410(), new Linux6x()];

    public static PanicDesign ByName(string name) =>
        All.FirstOrDefault(d => d.Name == name)
        ?? throw new ArgumentException($"unknown design \"{name}\"; known: {string.Join(", ", All.Select(d => d.Name))}");

    /// <summary>The design named <paramref name="name"/>, or null.</summary>
    public static PanicDesign? Find(string name) => All.FirstOrDefault(d => d.Name == name);
}
