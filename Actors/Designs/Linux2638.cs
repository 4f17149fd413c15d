using ActorCrash.Actors.Kernel;

namespace ActorCrash.Actors.Designs;

/// <summary>
/// Linux 2.6.38, the kernel the 2011 thread argues about (kernel/panic.c as it stood from 2.6.36 to
/// 3.0; kernel/kexec.c; arch/x86/kernel/smp.c, crash.c, reboot.c). Domain reference §1.2–1.3.
/// </summary>
public sealed class Linux2638 : PanicDesign
{
    public override string Name => "linux-2.6.38";
    public override string Models => "Linux 2.6.38 (kernel/panic.c 2.6.36–3.0), x86";
    public override KernelEra Era => KernelEra.V2638;

    public override string Summary =>
        "the seed: kmsg_dump(KEXEC) inside crash_kexec, kmsg_dump(PANIC) before an IPI-only smp_send_stop, kmsg_dump(EMERG) in emergency_restart";

    public override string Description =>
        "kmsg_dump(KEXEC) inside crash_kexec before the NMI shootdown; kmsg_dump(PANIC) before smp_send_stop; " +
        "REBOOT_VECTOR stop with a 1 s wait and no NMI fallback; no panic_lock; kmsg_dump(EMERG) in emergency_restart; " +
        "interrupts stay as the caller had them; panic=N with N < 0 never reboots. " +
        "The KEXEC hook's place is verified: inside the mutex_trylock block, right after the image check, before crash_setup_regs (§1.2 step 5a). " +
        "ramoops (drivers/char/ramoops.c) takes no lock: concurrent dumps race on its slot counter; no ioapic_zap_locks.";

    public override IReadOnlyList<string> Steps { get; } =
    [
        "preempt_disable()                      interrupts stay as the caller had them",
        "console_verbose(); bust_spinlocks(1)",
        "printk(KERN_EMERG \"Kernel panic - not syncing: %s\")",
        "dump_stack()",
        "crash_kexec(NULL)                      mutex_trylock(kexec_mutex); kmsg_dump(KMSG_DUMP_KEXEC); machine_crash_shutdown (NMI shootdown, 1000 ms); machine_kexec",
        "kmsg_dump(KMSG_DUMP_PANIC)             the other CPUs are still running",
        "smp_send_stop()                        REBOOT_VECTOR IPI, wait up to 1 s, no NMI fallback",
        "atomic_notifier_call_chain(&panic_notifier_list)",
        "bust_spinlocks(0)",
        "if (panic_timeout > 0): 100 ms steps, then emergency_restart()   kmsg_dump(KMSG_DUMP_EMERG); machine_emergency_restart()",
        "local_irq_enable(); for (;;) mdelay(100)   panic_timeout <= 0 never reboots in this version",
    ];

    public override IEnumerable<Op> Panic(CpuActor cpu, string message)
    {
        var k = cpu.Machine.Kernel;
        k.Milestone(cpu, $"panic: {message}");
        cpu.Fate = CpuFate.Panicking;

        // preempt_disable(): 2.6.38 does not disable interrupts here.
        Printk.BustSpinlocks(cpu, true);   // console_verbose(); bust_spinlocks(1)
        yield return Op.Call(Printk.PrEmerg(cpu, $"Kernel panic - not syncing: {message}"));
        yield return Op.Call(Printk.DumpStack(cpu, cpu.Apic.InNmi ? "nmi" : "trap"));

        // If we have crashed and we have a crash kernel loaded let it handle everything else.
        // Do we want to call this before we try to display a message?
        yield return Op.Call(CrashKexec(cpu));

        yield return Op.Call(KmsgDump(cpu, KmsgDumpReason.Panic));

        // Note smp_send_stop is the usual smp shutdown function, which unfortunately means it may
        // not be hardened to work in a panic situation.
        yield return Op.Call(X86.NativeStopOtherCpus(cpu));

        yield return Op.Call(KernelPanic.AtomicNotifierCallChain(cpu));
        Printk.BustSpinlocks(cpu, false);

        if (k.PanicTimeout > 0)
        {
            yield return Op.Call(KernelPanic.PanicTimeoutCountdown(cpu));
            // This will not be a clean reboot, with everything shutting down. But if there is a
            // chance of rebooting the system it will be rebooted.
            yield return Op.Call(EmergencyRestart(cpu));
        }
        yield return Op.Call(KernelPanic.PanicFinalLoop(cpu));
    }

    /// <summary>crash_kexec() of 2.6.38, with the KMSG_DUMP_KEXEC hook the thread is about.</summary>
    public override IEnumerable<Op> CrashKexec(CpuActor cpu) => Kexec.CrashKexec(cpu, kmsgDumpKexec: true, crashSmpSendStop: false);

    public override IEnumerable<Op> KmsgDump(CpuActor cpu, KmsgDumpReason reason) => Kmsg.KmsgDump(cpu, reason);
}
