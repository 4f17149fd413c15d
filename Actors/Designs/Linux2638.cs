using ActorCrash.Actors.Kernel;
using ActorCrash.Hardware;

namespace ActorCrash.Actors.Designs;

/// <summary>
/// Linux 2.6.38, the kernel the 2011 thread argues about (kernel/panic.c as it stood from 2.6.36 to
/// 3.0; kernel/kexec.c; arch/x86/kernel/smp.c, crash.c, reboot.c). Domain reference §1.2–1.3.
/// </summary>
public sealed class Linux2638 : PanicDesign
{
    public const long PanicTimerStepNs = 100 * VirtualTime.Millisecond;  // PANIC_TIMER_STEP

    public override string Name => "linux-2.6.38";
    public override string Models => "Linux 2.6.38 (kernel/panic.c 2.6.36–3.0), x86";

    public override string Description =>
        "kmsg_dump(KEXEC) inside crash_kexec before the NMI shootdown; kmsg_dump(PANIC) before smp_send_stop; " +
        "REBOOT_VECTOR stop with a 1 s wait and no NMI fallback; no panic_lock; kmsg_dump(EMERG) in emergency_restart.";

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
        yield return Op.Call(Printk.Vprintk(cpu, $"Kernel panic - not syncing: {message}"));
        yield return Op.Call(Printk.DumpStack(cpu, cpu.Apic.InNmi ? "nmi" : "trap"));

        // If we have crashed and we have a crash kernel loaded let it handle everything else.
        // Do we want to call this before we try to display a message?
        yield return Op.Call(CrashKexec(cpu));

        yield return Op.Call(Kmsg.KmsgDump(cpu, KmsgDumpReason.Panic));

        // Note smp_send_stop is the usual smp shutdown function, which unfortunately means it may
        // not be hardened to work in a panic situation.
        yield return Op.Call(X86.NativeStopOtherCpus(cpu));

        yield return Op.Call(AtomicNotifierCallChain(cpu));
        Printk.BustSpinlocks(cpu, false);

        if (k.PanicTimeout > 0)
        {
            // Delay timeout seconds before rebooting the machine. We can't use the "normal" timers
            // since we just panicked.
            yield return Op.Call(Printk.Vprintk(cpu, $"Rebooting in {k.PanicTimeout} seconds.."));
            for (long i = 0; i < k.PanicTimeout * 1000L * VirtualTime.Millisecond; i += PanicTimerStepNs)
                yield return Op.Delay(PanicTimerStepNs);  // touch_nmi_watchdog(); panic_blink(); mdelay(PANIC_TIMER_STEP)
            // This will not be a clean reboot, with everything shutting down. But if there is a
            // chance of rebooting the system it will be rebooted.
            yield return Op.Call(EmergencyRestart(cpu));
        }

        k.Milestone(cpu, "panic: final loop (no reboot)");
        cpu.Fate = CpuFate.PanicLoop;
        cpu.LocalIrqEnable();
        yield return Op.SpinForever("panic: for (;;) mdelay(PANIC_TIMER_STEP)");
    }

    /// <summary>crash_kexec() of 2.6.38 (kernel/kexec.c), with the KMSG_DUMP_KEXEC hook the thread is about.</summary>
    public static IEnumerable<Op> CrashKexec(CpuActor cpu)
    {
        var k = cpu.Machine.Kernel;
        // Only one CPU is allowed to execute the kdump code: kexec_mutex is taken by trylock, never waited for.
        if (!k.KexecMutex.TryAcquire(cpu.Id))
        {
            k.Milestone(cpu, "crash_kexec: kexec_mutex busy, returning");
            yield break;
        }
        if (k.KexecCrashImageLoaded)
        {
            k.Milestone(cpu, "crash_kexec: crash kernel loaded");
            yield return Op.Call(Kmsg.KmsgDump(cpu, KmsgDumpReason.Kexec));  // a dumper that hangs here blocks kdump for good
            yield return Op.Delay(cpu.Machine.Timing.StepNs);                // crash_setup_regs(); crash_save_vmcoreinfo()
            yield return Op.Call(X86.NativeMachineCrashShutdown(cpu));
            yield return Op.Call(X86.MachineKexec(cpu));
        }
        cpu.Unlock(k.KexecMutex);
    }

    /// <summary>emergency_restart() of 2.6.38 (kernel/sys.c): the dump hook Eric says should not be there.</summary>
    public static IEnumerable<Op> EmergencyRestart(CpuActor cpu)
    {
        cpu.Machine.Kernel.Milestone(cpu, "emergency_restart");
        yield return Op.Call(Kmsg.KmsgDump(cpu, KmsgDumpReason.Emerg));
        yield return Op.Call(X86.MachineEmergencyRestart(cpu));
    }

    /// <summary>atomic_notifier_call_chain(&amp;panic_notifier_list, 0, buf).</summary>
    public static IEnumerable<Op> AtomicNotifierCallChain(CpuActor cpu)
    {
        foreach (var notifier in cpu.Machine.Kernel.PanicNotifierList)
            yield return Op.Call(notifier(cpu));
    }

    public override IEnumerable<Op> HandleIpi(CpuActor cpu, InterruptVector vector) => vector switch
    {
        InterruptVector.Reboot => X86.StopThisCpu(cpu),  // smp_reboot_interrupt()
        _ => [],
    };

    /// <summary>
    /// do_nmi() → the die chain: crash_nmi_callback first once nmi_shootdown_cpus registered it (the
    /// crashing CPU itself returns NOTIFY_STOP), then the hard-lockup watchdog.
    /// </summary>
    public override IEnumerable<Op> HandleNmi(CpuActor cpu, NmiSource source)
    {
        var k = cpu.Machine.Kernel;
        if (k.CrashNmiCallbackRegistered)
            return cpu.Id == k.CrashingCpu ? [] : X86.CrashNmiCallback(cpu);
        return source == NmiSource.Watchdog ? WatchdogOverflowCallback(cpu) : UnknownNmi(cpu);
    }

    /// <summary>watchdog_overflow_callback(): a hard lockup panics only with nmi_watchdog=panic (hardlockup_panic).</summary>
    private IEnumerable<Op> WatchdogOverflowCallback(CpuActor cpu)
    {
        var mode = cpu.Machine.Kernel.Cmdline.NmiWatchdog;
        if (mode == "0") yield break;  // the detector is off
        var message = $"Watchdog detected hard LOCKUP on cpu {cpu.Id}";
        if (mode == "panic")
        {
            yield return Op.Call(Panic(cpu, message));
            yield break;
        }
        yield return Op.Call(Printk.Vprintk(cpu, $"WARNING: {message}"));
    }

    private static IEnumerable<Op> UnknownNmi(CpuActor cpu)
    {
        yield return Op.Call(Printk.Vprintk(cpu, $"Uhhuh. NMI received for unknown reason 00 on CPU {cpu.Id}."));
        yield return Op.Call(Printk.Vprintk(cpu, "Dazed and confused, but trying to continue"));
    }
}
