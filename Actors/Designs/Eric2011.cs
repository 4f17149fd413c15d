using ActorCrash.Actors.Kernel;

namespace ActorCrash.Actors.Designs;

/// <summary>
/// Eric W. Biederman's answer in the 2011 thread (domain reference §1.4), on 2.6.38: kdump first and
/// minimal, "getting the kmsg_dump code out of crash_kexec does not hurt anyone"; emergency_restart
/// "is just supposed to be the restart bits"; hooks placed "explicitly where they can be seen".
/// </summary>
public sealed class Eric2011 : PanicDesign
{
    public override string Name => "eric-2011";
    public override string Models => "Eric W. Biederman's position, LKML 8 Feb 2011 (on 2.6.38-rc4); \"kexec: remove KMSG_DUMP_KEXEC\" (2011), x86";
    public override KernelEra Era => KernelEra.V2638;

    public override string Summary =>
        "the thread's answer: no dump inside crash_kexec or emergency_restart; the only dump is the one visible in panic()";

    public override string Description =>
        "2.6.38's panic() with the hidden hooks gone: crash_kexec has no KMSG_DUMP_KEXEC (as later merged), emergency_restart has " +
        "no KMSG_DUMP_EMERG (never merged: the hook is still there today, filtered), and the one kmsg_dump(PANIC) stays where it is " +
        "visible in panic(), before smp_send_stop, with interrupts as the caller had them. His minimum for a dumper is to survive " +
        "\"local_irq_disable(); kmsg_dump(); local_irq_enable();\" — a bar for dumpers, not a change to panic(); " +
        "design-options.eric-2011.irqs-off-dump = on wraps the dump that way (saved and restored, so an NMI-context panic stays as it was). " +
        "CPU stop, panic_timeout (< 0 never reboots) and the NMI handlers are 2.6.38's. Not modelled: his \"why not dumpers as printk " +
        "consoles?\" (not adopted; pstore's console came later).";

    public override IReadOnlyList<string> Steps { get; } =
    [
        "preempt_disable()                      interrupts stay as the caller had them",
        "console_verbose(); bust_spinlocks(1)",
        "printk(KERN_EMERG \"Kernel panic - not syncing: %s\")",
        "dump_stack()",
        "crash_kexec(NULL)                      mutex_trylock(kexec_mutex); no dump; machine_crash_shutdown (NMI shootdown, 1000 ms); machine_kexec",
        "kmsg_dump(KMSG_DUMP_PANIC)             the one visible hook [irqs-off-dump: inside local_irq_save/restore]",
        "smp_send_stop()                        REBOOT_VECTOR IPI, wait up to 1 s, no NMI fallback",
        "atomic_notifier_call_chain(&panic_notifier_list)",
        "bust_spinlocks(0)",
        "if (panic_timeout > 0): 100 ms steps, then emergency_restart()   machine_emergency_restart() only",
        "local_irq_enable(); for (;;) mdelay(100)",
    ];

    public override IEnumerable<Op> Panic(CpuActor cpu, string message)
    {
        var k = cpu.Machine.Kernel;
        k.Milestone(cpu, $"panic: {message}");
        cpu.Fate = CpuFate.Panicking;

        Printk.BustSpinlocks(cpu, true);
        yield return Op.Call(Printk.PrEmerg(cpu, $"Kernel panic - not syncing: {message}"));
        yield return Op.Call(Printk.DumpStack(cpu, cpu.Apic.InNmi ? "nmi" : "trap"));

        // kexec on panic first, and nothing but kexec in it.
        yield return Op.Call(CrashKexec(cpu));

        // The dump hook, explicit and visible. "local_irq_disable(); kmsg_dump(); local_irq_enable();" is
        // the bar he set for dumpers, not a change to panic(): the wrapper is a design option, off by default.
        var irqsOff = cpu.Machine.Spec.Options?.EricIrqsOffDump ?? false;
        var flags = irqsOff ? cpu.LocalIrqSave() : default;
        yield return Op.Call(KmsgDump(cpu, KmsgDumpReason.Panic));
        if (irqsOff) cpu.LocalIrqRestore(flags);

        yield return Op.Call(X86.NativeStopOtherCpus(cpu));
        yield return Op.Call(KernelPanic.AtomicNotifierCallChain(cpu));
        Printk.BustSpinlocks(cpu, false);
        if (k.PanicTimeout > 0)
        {
            yield return Op.Call(KernelPanic.PanicTimeoutCountdown(cpu));
            yield return Op.Call(EmergencyRestart(cpu));
        }
        yield return Op.Call(KernelPanic.PanicFinalLoop(cpu));
    }

    /// <summary>emergency_restart() as "just the restart bits": machine_emergency_restart(), no dump hook.</summary>
    public override IEnumerable<Op> EmergencyRestart(CpuActor cpu) => RestartBitsOnly(cpu);

    private static IEnumerable<Op> RestartBitsOnly(CpuActor cpu)
    {
        cpu.Machine.Kernel.Milestone(cpu, "emergency_restart");
        yield return Op.Call(X86.MachineEmergencyRestart(cpu));
    }

    public override IEnumerable<Op> CrashKexec(CpuActor cpu) => Kexec.CrashKexec(cpu, kmsgDumpKexec: false, crashSmpSendStop: false);

    public override IEnumerable<Op> KmsgDump(CpuActor cpu, KmsgDumpReason reason) => Kmsg.KmsgDump(cpu, reason);
}
