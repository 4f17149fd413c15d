using ActorCrash.Actors.Kernel;

namespace ActorCrash.Actors.Designs;

/// <summary>
/// Linux 4.5 (kernel/panic.c with panic_cpu and nmi_panic, v4.5-rc1 58c5661f2144 and 7bbee5ca3896;
/// crash_kexec_post_notifiers, ≈3.16, still with the plain smp_send_stop: crash_smp_send_stop came
/// in 4.10, 0ee59413c967). Domain reference §2.2, §2.5.
/// </summary>
public sealed class Linux45 : PanicDesign
{
    public override string Name => "linux-4.5";
    public override string Models => "Linux 4.5 (panic_cpu/nmi_panic of v4.5-rc1 58c5661f2144, 7bbee5ca3896; before crash_smp_send_stop), x86";
    public override KernelEra Era => KernelEra.V45;

    public override string Summary =>
        "panic_cpu and nmi_panic; crash_kexec_post_notifiers stops the others with the plain smp_send_stop, so kdump loses their registers";

    public override string Description =>
        "Interrupts off at entry; atomic_cmpxchg(&panic_cpu): another CPU's panic self-stops; the hard-lockup watchdog calls nmi_panic(). " +
        "Without crash_kexec_post_notifiers: __crash_kexec, then smp_send_stop (IPI 1 s, NMI 10 ms). With it: smp_send_stop first — it " +
        "takes the other CPUs offline without saving their registers — then notifiers, kmsg_dump and __crash_kexec, whose NMI shootdown " +
        "reaches only the CPUs still online: the vmcore lacks the stopped CPUs' registers (the bug 0ee59413c967 fixed in 4.10). " +
        "No per-CPU NMI printk buffers yet (4.7): printk in NMI context takes logbuf_lock. console_flush_on_panic() after bust_spinlocks(0) " +
        "(Feng Tang, ≈4.3 [U]), calling console_unlock() whatever the trylock said. [U] that the shootdown NMI skips offline CPUs " +
        "(the physflat/x2apic mask-based send; flat APIC's all-but-self shorthand reaches them).";

    public override IReadOnlyList<string> Steps { get; } =
    [
        "local_irq_disable()",
        "old = atomic_cmpxchg(&panic_cpu, INVALID, this_cpu); if (old != INVALID && old != this_cpu) panic_smp_self_stop()",
        "console_verbose(); bust_spinlocks(1)",
        "pr_emerg(\"Kernel panic - not syncing: %s\")",
        "if (!test_taint(TAINT_DIE) && oops_in_progress <= 1) dump_stack()",
        "if (!crash_kexec_post_notifiers) __crash_kexec(NULL)",
        "smp_send_stop()                        IPI 1 s, then NMI 10 ms: CPUs offline, registers not saved",
        "atomic_notifier_call_chain(&panic_notifier_list)",
        "kmsg_dump(KMSG_DUMP_PANIC)             logbuf_lock per dumper",
        "if (crash_kexec_post_notifiers) __crash_kexec(NULL)   NMI shootdown of the CPUs still online",
        "bust_spinlocks(0)",
        "console_flush_on_panic()",
        "if (panic_timeout > 0): \"Rebooting in %d seconds..\", 100 ms steps",
        "if (panic_timeout != 0) emergency_restart()   kmsg_dump(EMERG) skipped unless printk.always_kmsg_dump",
        "pr_emerg(\"---[ end Kernel panic - not syncing: %s\")",
        "local_irq_enable(); for (;;) mdelay(100)",
    ];

    public override IEnumerable<Op> Panic(CpuActor cpu, string message)
    {
        var k = cpu.Machine.Kernel;
        var postNotifiers = k.Cmdline.CrashKexecPostNotifiers;  // read once at entry
        k.Milestone(cpu, $"panic: {message}");
        cpu.Fate = CpuFate.Panicking;

        cpu.LocalIrqDisable();
        var old = k.PanicCpuCmpxchg(cpu.Id);
        if (old != KernelState.PanicCpuInvalid && old != cpu.Id)
            yield return Op.Call(KernelPanic.PanicSmpSelfStop(cpu));

        Printk.BustSpinlocks(cpu, true);
        yield return Op.Call(Printk.PrEmerg(cpu, $"Kernel panic - not syncing: {message}"));
        if (!k.TaintDie && k.OopsInProgress <= 1)
            yield return Op.Call(Printk.DumpStack(cpu, cpu.Apic.InNmi ? "nmi" : "trap"));

        // If we want to run this after calling panic_notifiers, pass the "crash_kexec_post_notifiers"
        // option to the kernel. Bypass the panic_cpu check and call __crash_kexec directly.
        if (!postNotifiers)
            yield return Op.Call(CrashKexecBypassingPanicCpu(cpu));

        // Note smp_send_stop is the usual smp shutdown function, which unfortunately means it may not
        // be hardened to work in a panic situation.
        yield return Op.Call(X86v3.NativeStopOtherCpus(cpu));

        yield return Op.Call(KernelPanic.AtomicNotifierCallChain(cpu));
        yield return Op.Call(KmsgDump(cpu, KmsgDumpReason.Panic));
        if (postNotifiers)
            yield return Op.Call(CrashKexecBypassingPanicCpu(cpu));

        Printk.BustSpinlocks(cpu, false);
        yield return Op.Call(Printk.ConsoleFlushOnPanic(cpu));
        if (k.PanicTimeout > 0)
            yield return Op.Call(KernelPanic.PanicTimeoutCountdown(cpu));
        if (k.PanicTimeout != 0)
            yield return Op.Call(EmergencyRestart(cpu));
        yield return Op.Call(Printk.PrEmerg(cpu, $"---[ end Kernel panic - not syncing: {message}"));
        yield return Op.Call(KernelPanic.PanicFinalLoop(cpu));
    }

    /// <summary>__crash_kexec(NULL): kexec_mutex, and 4.5's machine_crash_shutdown (the NMI shootdown of the CPUs still online).</summary>
    private static IEnumerable<Op> CrashKexecBypassingPanicCpu(CpuActor cpu) => Kexec.CrashKexec(cpu, kmsgDumpKexec: false,
        // Stryker disable once Boolean : 3.x and 4.5 zap ioapic_lock in either machine_crash_shutdown (IoapicZapLocks) and nothing ran crash_smp_send_stop() before 4.10, so X86v3's shutdown does what X86's does
        crashSmpSendStop: false);

    /// <summary>The oops path's crash_kexec(): panic_cpu first, reset after (7bbee5ca3896).</summary>
    public override IEnumerable<Op> CrashKexec(CpuActor cpu) => Kexec.PanicCpuCrashKexec(cpu,
        // Stryker disable once Boolean : 4.5 has no NMI printk buffers, and die() printks under logbuf_lock before it calls crash_kexec(): the lock is free by then or this CPU spins on it for good, so the flush never has anything to do
        printkNmiFlushOnPanic: false,
        // Stryker disable once Boolean : 3.x and 4.5 zap ioapic_lock in either machine_crash_shutdown (IoapicZapLocks) and nothing ran crash_smp_send_stop() before 4.10, so X86v3's shutdown does what X86's does
        crashSmpSendStop: false);

    /// <summary>kexec_should_crash(): "If crash_kexec_post_notifiers is enabled, don't run crash_kexec() here yet".</summary>
    public override bool KexecShouldCrash(CpuActor cpu, bool inInterrupt) => !cpu.Machine.Kernel.Cmdline.CrashKexecPostNotifiers && base.KexecShouldCrash(cpu, inInterrupt);

    protected override IEnumerable<Op> HardlockupPanic(CpuActor cpu, string message) => NmiPanic(cpu, message);

    public override IEnumerable<Op> KmsgDump(CpuActor cpu, KmsgDumpReason reason) => KmsgIter.KmsgDump(cpu, reason);
}
