using ActorCrash.Actors.Kernel;

namespace ActorCrash.Actors.Designs;

/// <summary>
/// Vivek Goyal's restructuring from the 2011 thread (LKML, "Re: Query about kdump_msg hook into
/// crash_kexec()", as quoted by Eric W. Biederman on 8 Feb 2011; domain reference §1.4), on 2.6.38:
/// one shutdown mutex; set up the registers, stop the other CPUs reliably with NMIs — once, shared
/// by the dump and kdump — then the dump, then the LAPIC/IO-APIC shutdown and machine_kexec.
/// </summary>
public sealed class Vivek2011 : PanicDesign
{
    public override string Name => "vivek-2011";
    public override string Models => "Vivek Goyal's proposal, LKML 8 Feb 2011 (on 2.6.38-rc4), x86";
    public override KernelEra Era => KernelEra.V2638;

    public override string Summary =>
        "the thread's proposal: under a shutdown mutex, NMI-stop the other CPUs once for both the dump and kdump, dump, then kexec";

    public override string Description =>
        "if (mutex_trylock(some_shutdown_mutex)) { crash_kexec_prepare(); machine_shutdown_prepare(); kdump_msg(); crash_kexec_execute(); }. " +
        "machine_shutdown_prepare is the kdump NMI shootdown (1000 ms, crash_nmi_callback saves registers), so the dump runs with " +
        "every other CPU halted; crash_kexec_execute does the rest of machine_crash_shutdown and machine_kexec when an image is loaded. " +
        "Without kdump: panic notifiers, then reboot after panic_timeout or spin with interrupts on. Picked where the sketch is open: " +
        "kdump_msg() is kmsg_dump(KMSG_DUMP_KEXEC) with a crash image and KMSG_DUMP_PANIC without; notifiers run after the block " +
        "(his \"panic_notifier_list here too?\" left open); a CPU that loses the trylock halts, interrupts off (\"We don't want other cpus " +
        "to complete panic() and jump to BIOS\"; design-options.vivek-2011.shutdown-mutex-loser = carry-on takes the other reading: " +
        "on to the notifiers and the countdown); " +
        "emergency_restart keeps 2.6.38's kmsg_dump(EMERG) (he pointed at the hook but did not move it); the oops path's " +
        "crash_kexec runs the same block when an image is loaded. Opt-outs: kconfig CONFIG_KMSG_DUMP=n, machine.dumpers = [], " +
        "sysctl kernel.kdump_msg=0 (the /proc tunable, read once at panic entry).";

    public override IReadOnlyList<string> Steps { get; } =
    [
        "preempt_disable()                      interrupts stay as the caller had them",
        "console_verbose(); bust_spinlocks(1)",
        "printk(KERN_EMERG \"Kernel panic - not syncing: %s\")",
        "dump_stack()",
        "if (mutex_trylock(some_shutdown_mutex)) {",
        "  crash_kexec_prepare()                crash_setup_regs(); crash_save_vmcoreinfo()",
        "  machine_shutdown_prepare()           NMI to all other CPUs, wait up to 1000 ms: registers saved, halted",
        "  if (kdump_msg sysctl) kdump_msg()    kmsg_dump(KMSG_DUMP_KEXEC, or PANIC without a crash image), other CPUs stopped",
        "  crash_kexec_execute()                if a crash image is loaded: LAPIC/IO-APIC off, crash_save_cpu(), machine_kexec()",
        "}",
        "atomic_notifier_call_chain(&panic_notifier_list)",
        "bust_spinlocks(0)",
        "if (panic_timeout > 0): 100 ms steps, then emergency_restart()   kmsg_dump(KMSG_DUMP_EMERG); machine_emergency_restart()",
        "local_irq_enable(); for (;;) mdelay(100)",
    ];

    public override IEnumerable<Op> Panic(CpuActor cpu, string message)
    {
        var k = cpu.Machine.Kernel;
        var kdumpMsg = k.Cmdline.KdumpMsg;  // the /proc switch, read once: nothing changes mid-panic
        k.Milestone(cpu, $"panic: {message}");
        cpu.Fate = CpuFate.Panicking;

        Printk.BustSpinlocks(cpu, true);
        yield return Op.Call(Printk.PrEmerg(cpu, $"Kernel panic - not syncing: {message}"));
        yield return Op.Call(Printk.DumpStack(cpu, cpu.Apic.InNmi ? "nmi" : "trap"));

        // Stop the other CPUs once, reliably, for both the dump and kdump.
        yield return Op.Call(ShutdownMutexSection(cpu, kdumpMsg));

        // If kdump is not configured: the notifiers, then reboot after panic_timeout or spin with interrupts on.
        yield return Op.Call(KernelPanic.AtomicNotifierCallChain(cpu));
        Printk.BustSpinlocks(cpu, false);
        if (k.PanicTimeout > 0)
        {
            yield return Op.Call(KernelPanic.PanicTimeoutCountdown(cpu));
            yield return Op.Call(EmergencyRestart(cpu));
        }
        yield return Op.Call(KernelPanic.PanicFinalLoop(cpu));
    }

    /// <summary>
    /// The block under some_shutdown_mutex: crash_kexec_prepare(); machine_shutdown_prepare();
    /// kdump_msg(); crash_kexec_execute(). The mutex is never released: the panic is one-way.
    /// </summary>
    private static IEnumerable<Op> ShutdownMutexSection(CpuActor cpu, bool kdumpMsg)
    {
        var k = cpu.Machine.Kernel;
        if (!k.ShutdownMutex.TryAcquire(cpu.Id))
        {
            k.Milestone(cpu, "shutdown_mutex busy: another CPU is shutting down");
            // "We don't want other cpus to complete panic() and jump to BIOS": the loser halts.
            if (cpu.Machine.Spec.Options?.VivekLoserHalts ?? true)
                yield return Op.Call(ShutdownMutexLoserHalt(cpu));
            yield break;
        }
        yield return Op.Delay(cpu.Machine.Timing.StepNs);  // crash_kexec_prepare(): crash_setup_regs(); crash_save_vmcoreinfo()
        yield return Op.Call(MachineShutdownPrepare(cpu));
        if (kdumpMsg) yield return Op.Call(KdumpMsg(cpu));
        yield return Op.Call(CrashKexecExecute(cpu));
    }

    /// <summary>
    /// The CPU that lost some_shutdown_mutex: interrupts off and HLT for good, still online. The
    /// winner's NMI shootdown wakes it into crash_nmi_callback, which saves its registers.
    /// </summary>
    private static IEnumerable<Op> ShutdownMutexLoserHalt(CpuActor cpu)
    {
        cpu.Machine.Kernel.Milestone(cpu, "shutdown_mutex lost: halting");
        // Stryker disable once Statement : the loser halts for good and vivek-2011 sends it no maskable interrupt after this: its CPU stop is the NMI shootdown, whose crash_nmi_callback turns interrupts off itself
        cpu.LocalIrqDisable();
        cpu.Fate = CpuFate.SelfStopped;
        yield return Op.HaltForever("shutdown_mutex lost: for (;;) halt()");
    }

    /// <summary>machine_shutdown_prepare(): "the first part [...] where all other cpus are shot down", with NMIs as kdump did.</summary>
    private static IEnumerable<Op> MachineShutdownPrepare(CpuActor cpu)
    {
        yield return Op.Call(X86.NmiShootdownCpus(cpu));
    }

    /// <summary>kdump_msg(): the dump, now with every other CPU halted.</summary>
    private static IEnumerable<Op> KdumpMsg(CpuActor cpu) =>
        Kmsg.KmsgDump(cpu, cpu.Machine.Kernel.KexecCrashImageLoaded ? KmsgDumpReason.Kexec : KmsgDumpReason.Panic);

    /// <summary>crash_kexec_execute(): "Shutdown lapic/ioapic, save this cpu register etc", then machine_kexec().</summary>
    private static IEnumerable<Op> CrashKexecExecute(CpuActor cpu)
    {
        if (!cpu.Machine.Kernel.KexecCrashImageLoaded) yield break;
        cpu.Machine.Kernel.Milestone(cpu, "crash_kexec_execute: crash kernel loaded");
        yield return Op.Call(X86.CrashShutdownThisCpu(cpu, zapIoapicLocks: false));
        yield return Op.Call(X86.MachineKexec(cpu));
    }

    /// <summary>The oops path's crash_kexec(): the same block, when a crash image is loaded.</summary>
    public override IEnumerable<Op> CrashKexec(CpuActor cpu) =>
        cpu.Machine.Kernel.KexecCrashImageLoaded ? ShutdownMutexSection(cpu, cpu.Machine.Kernel.Cmdline.KdumpMsg) : [];

    public override IEnumerable<Op> KmsgDump(CpuActor cpu, KmsgDumpReason reason) => Kmsg.KmsgDump(cpu, reason);
}
