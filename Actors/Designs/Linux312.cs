using ActorCrash.Actors.Kernel;

namespace ActorCrash.Actors.Designs;

/// <summary>
/// Linux 3.12 (kernel/panic.c between 6723734cdff1, v3.12, and crash_kexec_post_notifiers, ≈3.16;
/// arch/x86/kernel/smp.c after 7d007d21e539, v3.5). Domain reference §1.4, §2.4 history, §7.
/// </summary>
public sealed class Linux312 : PanicDesign
{
    public override string Name => "linux-3.12";
    public override string Models => "Linux 3.12 (kernel/panic.c 3.12–3.15; smp_send_stop of 7d007d21e539, v3.5), x86";
    public override KernelEra Era => KernelEra.V312;

    public override string Summary =>
        "panic_lock + panic_smp_self_stop; smp_send_stop IPI then NMI; notifiers, then kmsg_dump after the stop; panic=-1 reboots at once";

    public override string Description =>
        "Interrupts off at entry (\"This will prevent panic_smp_self_stop from deadlocking the first cpu\"); spin_trylock(&panic_lock), " +
        "a second CPU spins in panic_smp_self_stop with interrupts off (Michael Holzheu, ≈3.5); crash_kexec without the KEXEC dump; " +
        "smp_send_stop: REBOOT_VECTOR, 1 s on num_online_cpus(), then \"Shutting down cpus with NMI\" to all but self, 10 ms " +
        "(nonmi_ipi skips the NMI; reboot=force skips it all); panic notifiers before kmsg_dump (6723734cdff1), kmsg_dump after " +
        "smp_send_stop (62be73eafaa0); kmsg_dump passes only PANIC and OOPS unless printk.always_kmsg_dump, and sets up each " +
        "dumper's iterator under logbuf_lock (the iterator lives in the dumper: a concurrent kmsg_dump resets it); " +
        "machine_crash_shutdown zaps ioapic_lock first; pstore: __getnstimeofday record time, the pstore console under buf_lock, and " +
        "a failed buf_lock trylock dumps without the lock (\"may corrupt error record\"); panic_timeout != 0 reboots, < 0 at once. The structure is verified against a 3.12-era " +
        "panic.c and the 3.5 smp.c; [U] the versions of panic_lock (≈3.5) and of the panic=-1 change (between 3.0 and 3.12).";

    public override IReadOnlyList<string> Steps { get; } =
    [
        "local_irq_disable()                    so panic_smp_self_stop cannot deadlock the first CPU",
        "if (!spin_trylock(&panic_lock)) panic_smp_self_stop()   a second CPU spins, interrupts off",
        "console_verbose(); bust_spinlocks(1)",
        "printk(KERN_EMERG \"Kernel panic - not syncing: %s\")",
        "if (!test_taint(TAINT_DIE) && oops_in_progress <= 1) dump_stack()",
        "crash_kexec(NULL)                      mutex_trylock(kexec_mutex); machine_crash_shutdown (NMI shootdown, 1000 ms); machine_kexec",
        "smp_send_stop()                        REBOOT_VECTOR, 1 s; then NMI to all others, 10 ms (not with nonmi_ipi)",
        "atomic_notifier_call_chain(&panic_notifier_list)   before the dump, to add to it",
        "kmsg_dump(KMSG_DUMP_PANIC)             other CPUs stopped; logbuf_lock per dumper",
        "bust_spinlocks(0)",
        "if (panic_timeout > 0): \"Rebooting in %d seconds..\", 100 ms steps",
        "if (panic_timeout != 0) emergency_restart()   kmsg_dump(EMERG) skipped unless printk.always_kmsg_dump",
        "local_irq_enable(); for (;;) mdelay(100)",
    ];

    public override IEnumerable<Op> Panic(CpuActor cpu, string message)
    {
        var k = cpu.Machine.Kernel;
        k.Milestone(cpu, $"panic: {message}");
        cpu.Fate = CpuFate.Panicking;

        // Disable local interrupts. This will prevent panic_smp_self_stop from deadlocking the first
        // cpu that invokes the panic, since there is nothing to prevent an interrupt handler (that
        // runs after the panic_lock is acquired) from invoking panic again.
        cpu.LocalIrqDisable();
        // Only one CPU is allowed to execute the panic code from here.
        if (!k.PanicLock.TryAcquire(cpu.Id))
            yield return Op.Call(KernelPanic.PanicSmpSelfStop(cpu));

        Printk.BustSpinlocks(cpu, true);
        yield return Op.Call(Printk.PrEmerg(cpu, $"Kernel panic - not syncing: {message}"));
        // Avoid nested stack-dumping if a panic occurs during oops processing
        if (!k.TaintDie && k.OopsInProgress <= 1)
            yield return Op.Call(Printk.DumpStack(cpu, cpu.Apic.InNmi ? "nmi" : "trap"));

        yield return Op.Call(CrashKexec(cpu));
        yield return Op.Call(X86v3.NativeStopOtherCpus(cpu));
        // Run any panic handlers, including those that might need to add information to the kmsg dump output.
        yield return Op.Call(KernelPanic.AtomicNotifierCallChain(cpu));
        yield return Op.Call(KmsgDump(cpu, KmsgDumpReason.Panic));
        Printk.BustSpinlocks(cpu, false);

        if (k.PanicTimeout > 0)
            yield return Op.Call(KernelPanic.PanicTimeoutCountdown(cpu));
        if (k.PanicTimeout != 0)
            yield return Op.Call(EmergencyRestart(cpu));
        yield return Op.Call(KernelPanic.PanicFinalLoop(cpu));
    }

    public override IEnumerable<Op> CrashKexec(CpuActor cpu) => Kexec.CrashKexec(cpu, kmsgDumpKexec: false,
        // Stryker disable once Boolean : 3.x and 4.5 zap ioapic_lock in either machine_crash_shutdown (IoapicZapLocks) and nothing ran crash_smp_send_stop() before 4.10, so X86v3's shutdown does what X86's does
        crashSmpSendStop: false);

    public override IEnumerable<Op> KmsgDump(CpuActor cpu, KmsgDumpReason reason) => KmsgIter.KmsgDump(cpu, reason);
}
