using ActorCrash.Actors.Kernel;

namespace ActorCrash.Actors.Designs;

/// <summary>
/// Linux 4.10, the 4.5/4.10 era (kernel/panic.c with panic_cpu and nmi_panic, 4.5, and the
/// crash_smp_send_stop branch, 0ee59413c967, 4.10; printk_nmi_flush_on_panic, 4.7). Domain
/// reference §2.2, §2.5.
/// </summary>
public sealed class Linux410 : PanicDesign
{
    public override string Name => "linux-4.10";
    public override string Models => "Linux 4.10 (panic_cpu/nmi_panic of v4.5-rc1 58c5661f2144, 7bbee5ca3896; crash_smp_send_stop 0ee59413c967), x86";
    public override KernelEra Era => KernelEra.V410;

    public override string Summary =>
        "panic_cpu cmpxchg, nmi_panic and nmi_panic_self_stop; crash_kexec_post_notifiers with crash_smp_send_stop; kmsg_dump under logbuf_lock";

    public override string Description =>
        "Interrupts off at entry; atomic_cmpxchg(&panic_cpu): another CPU's panic self-stops, the same CPU (nmi_panic or crash_kexec " +
        "took panic_cpu) carries on. The hard-lockup watchdog calls nmi_panic(): a CPU that loses panic_cpu loops in " +
        "nmi_panic_self_stop and runs crash_nmi_callback itself once crash_ipi_issued, so kdump still gets its registers. " +
        "Without crash_kexec_post_notifiers: printk_nmi_flush_on_panic, __crash_kexec, smp_send_stop (IPI 1 s, NMI 10 ms); with it: " +
        "crash_smp_send_stop (NMI shootdown only, CPUs stay online) and __crash_kexec after notifiers and kmsg_dump. The oops path's " +
        "crash_kexec takes panic_cpu and resets it; kexec_should_crash is 0 with post_notifiers. printk_nmi_flush_on_panic " +
        "re-initialises a held logbuf_lock only in NMI context with one CPU online (the in_nmi() test is in the 4.7 patch; the domain " +
        "reference omits it). Picked: console_flush_on_panic after bust_spinlocks(0) [from memory, 4.5]; ioapic_zap_locks in " +
        "machine_crash_shutdown (already in 3.12 [V]); arch_kexec_protect_crashkres (≈4.6, [U]) makes stray writes to the loaded crash kernel " +
        "fault. printk in NMI context (a hard-lockup panic) goes to per-CPU NMI buffers (no logbuf_lock, no console) that " +
        "printk_nmi_flush_on_panic copies into the log — but not while another CPU is online and logbuf_lock is held. " +
        "console_flush_on_panic calls console_unlock() whatever the trylock said (it up()s a console_sem a stopped CPU holds). " +
        "pstore: record time from __getnstimeofday (a seqcount a stopped timekeeper wedges), unpadded \"====%lu.%lu-D\" header, " +
        "the pstore console under buf_lock, a failed buf_lock trylock gives the dump up; mtdoops schedules work_write after its " +
        "panic write (the workqueue pool lock); the kmsg_dump iterator lives in the dumper, shared by concurrent dumps.";

    public override IReadOnlyList<string> Steps { get; } =
    [
        "local_irq_disable()",
        "old = atomic_cmpxchg(&panic_cpu, INVALID, this_cpu); if (old != INVALID && old != this_cpu) panic_smp_self_stop()",
        "console_verbose(); bust_spinlocks(1)",
        "pr_emerg(\"Kernel panic - not syncing: %s\")",
        "if (!test_taint(TAINT_DIE) && oops_in_progress <= 1) dump_stack()",
        "if (!crash_kexec_post_notifiers) { printk_nmi_flush_on_panic(); __crash_kexec(NULL); smp_send_stop(); }   IPI 1 s, then NMI 10 ms",
        "else crash_smp_send_stop()             NMI shootdown only: registers saved, CPUs halted but still online",
        "atomic_notifier_call_chain(&panic_notifier_list)",
        "printk_nmi_flush_on_panic()            copy the per-CPU NMI buffers into the log; in NMI with one CPU online re-initialise a held logbuf_lock",
        "kmsg_dump(KMSG_DUMP_PANIC)             logbuf_lock per dumper",
        "if (crash_kexec_post_notifiers) __crash_kexec(NULL)",
        "bust_spinlocks(0)",
        "debug_locks_off(); console_flush_on_panic()",
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
        {
            yield return Op.Call(Printk.PrintkNmiFlushOnPanic(cpu));
            yield return Op.Call(CrashKexecBypassingPanicCpu(cpu));
            yield return Op.Call(X86v3.NativeStopOtherCpus(cpu));
        }
        else
            yield return Op.Call(X86v3.CrashSmpSendStop(cpu));

        yield return Op.Call(KernelPanic.AtomicNotifierCallChain(cpu));
        // Call flush even twice. It tries harder with a single online CPU
        yield return Op.Call(Printk.PrintkNmiFlushOnPanic(cpu));
        yield return Op.Call(KmsgDump(cpu, KmsgDumpReason.Panic));
        if (postNotifiers)
            yield return Op.Call(CrashKexecBypassingPanicCpu(cpu));

        Printk.BustSpinlocks(cpu, false);
        yield return Op.Call(Printk.ConsoleFlushOnPanic(cpu));  // debug_locks_off(); console_flush_on_panic()
        if (k.PanicTimeout > 0)
            yield return Op.Call(KernelPanic.PanicTimeoutCountdown(cpu));
        if (k.PanicTimeout != 0)
            yield return Op.Call(EmergencyRestart(cpu));
        yield return Op.Call(Printk.PrEmerg(cpu, $"---[ end Kernel panic - not syncing: {message}"));
        yield return Op.Call(KernelPanic.PanicFinalLoop(cpu));
    }

    /// <summary>__crash_kexec(NULL): kexec_mutex, and machine_crash_shutdown with crash_smp_send_stop.</summary>
    private static IEnumerable<Op> CrashKexecBypassingPanicCpu(CpuActor cpu) => Kexec.CrashKexec(cpu, kmsgDumpKexec: false, crashSmpSendStop: true);

    /// <summary>The oops path's crash_kexec(): panic_cpu first, printk_nmi_flush_on_panic(), reset after.</summary>
    public override IEnumerable<Op> CrashKexec(CpuActor cpu) => Kexec.PanicCpuCrashKexec(cpu, printkNmiFlushOnPanic: true);

    /// <summary>kexec_should_crash(): "If crash_kexec_post_notifiers is enabled, don't run crash_kexec() here yet".</summary>
    public override bool KexecShouldCrash(CpuActor cpu, bool inInterrupt) => !cpu.Machine.Kernel.Cmdline.CrashKexecPostNotifiers && base.KexecShouldCrash(cpu, inInterrupt);

    protected override IEnumerable<Op> HardlockupPanic(CpuActor cpu, string message) => NmiPanic(cpu, message);

    public override IEnumerable<Op> KmsgDump(CpuActor cpu, KmsgDumpReason reason) => KmsgIter.KmsgDump(cpu, reason);

    public override bool ProtectsCrashKernel => true;
}
