using ActorCrash.Actors.Kernel;

namespace ActorCrash.Actors.Designs;

/// <summary>
/// Linux 6.x, today's vpanic() (kernel/panic.c of ≈6.12–6.18; arch/x86/kernel/smp.c after
/// 1f5e7eb7868e, v6.5; the lockless printk ringbuffer, 5.10). Domain reference §2.1–2.10.
/// </summary>
public sealed class Linux6x : PanicDesign
{
    public override string Name => "linux-6.x";
    public override string Models => "Linux 6.x (vpanic() of ≈6.12–6.18; mask-based stop 1f5e7eb7868e, v6.5; lockless printk, 5.10), x86";
    public override KernelEra Era => KernelEra.V612;

    public override string Summary =>
        "today: interrupts off, panic_cpu, mask-based IPI-then-NMI stop, lockless printk, max_reason filtering, panic_print";

    public override string Description =>
        "The §2.1 order: interrupts off; panic_try_start() or panic_smp_self_stop(); pr_emerg; dump_stack; kgdb; __crash_kexec unless " +
        "crash_kexec_post_notifiers; panic_other_cpus_shutdown (panic_print 0x40: NMI backtrace of the others first; then smp_send_stop, " +
        "or crash_smp_send_stop with post_notifiers); printk_legacy_allow_panic_sync; notifiers; sys_info(panic_print); " +
        "kmsg_dump_desc(PANIC); __crash_kexec if post_notifiers; console_unblank; console_flush_on_panic (REPLAY_ALL with 0x20); " +
        "countdown; emergency_restart if panic_timeout != 0 (< 0 at once); end marker, final flush, loop. smp_send_stop waits on " +
        "cpus_stop_mask, which a CPU clears right before HLT, and sends the NMI only to the CPUs still in it. printk never takes " +
        "logbuf_lock; during the panic only the panic CPU writes the log (and the backtraces it asked for). Legacy consoles (the " +
        "serial and pstore consoles) print at once, before kdump, unless an nbcon console is registered (machine.console.nbcon), " +
        "which holds them back until printk_legacy_allow_panic_sync() after the stop; in NMI context they always wait for " +
        "console_flush_on_panic, which ignores console_sem. kmsg_dump skips a dumper whose max_reason is below the reason; a dumper " +
        "without one (efi-pstore) gets PANIC and OOPS (printk.always_kmsg_dump: all), so EMERG is not dumped by default; ramoops " +
        "stores every reason it gets, its zones take buffer_lock, record times are NMI-safe, a failed buf_lock trylock skips the dump " +
        "(\"dump skipped in … path because of concurrent dump\"); mtdoops erases the next used block inside the panic; efi-pstore " +
        "trylocks efivars_lock and queries the firmware first. panic_on_warn is cleared at entry. Picked: the 6.12+ " +
        "printk_legacy_allow_panic_sync placement and the ≈6.9 non-panic-CPU silence [U versions]; kgdb and panic_reboot_mode " +
        "are not modelled; sys_info prints a few representative lines per panic_print bit.";

    public override IReadOnlyList<string> Steps { get; } =
    [
        "if (panic_on_warn) panic_on_warn = 0",
        "local_irq_disable(); preempt_disable_notrace()   interrupts off until the final loop",
        "if (!panic_try_start() && panic_on_other_cpu()) panic_smp_self_stop()",
        "console_verbose(); bust_spinlocks(1)",
        "pr_emerg(\"Kernel panic - not syncing: %s\")   lockless ringbuffer; legacy consoles print at once (not with nbcon, not in NMI)",
        "if (!test_taint(TAINT_DIE) && oops_in_progress <= 1) dump_stack()",
        "kgdb_panic(buf)",
        "if (!crash_kexec_post_notifiers) __crash_kexec(NULL)",
        "panic_other_cpus_shutdown()            [panic_print 0x40: NMI backtrace]; smp_send_stop(): IPI 1 s, NMI to the rest 10 ms; or crash_smp_send_stop()",
        "printk_legacy_allow_panic_sync()       console_trylock(); console_unlock(): what the nbcon hold-back kept",
        "atomic_notifier_call_chain(&panic_notifier_list)",
        "sys_info(panic_print)",
        "kmsg_dump_desc(KMSG_DUMP_PANIC, buf)   no printk lock; max_reason per dumper",
        "if (crash_kexec_post_notifiers) __crash_kexec(NULL)",
        "console_unblank()",
        "debug_locks_off(); console_flush_on_panic(CONSOLE_FLUSH_PENDING or REPLAY_ALL)",
        "if (panic_timeout > 0): \"Rebooting in %d seconds..\", 100 ms steps",
        "if (panic_timeout != 0) emergency_restart()   kmsg_dump(EMERG) filtered out by default",
        "pr_emerg(\"---[ end Kernel panic - not syncing: %s ]---\"); console_flush_on_panic()",
        "local_irq_enable(); for (;;) mdelay(100)",
    ];

    public override IEnumerable<Op> Panic(CpuActor cpu, string message)
    {
        var k = cpu.Machine.Kernel;
        var postNotifiers = k.Cmdline.CrashKexecPostNotifiers;  // read once at entry
        var panicPrint = k.Cmdline.PanicPrint;
        k.Milestone(cpu, $"panic: {message}");
        cpu.Fate = CpuFate.Panicking;

        k.PanicOnWarnCleared = true;  // if (panic_on_warn) panic_on_warn = 0: a WARN in the panic path must not re-panic
        cpu.LocalIrqDisable();  // and preempt_disable_notrace()
        var old = k.PanicCpuCmpxchg(cpu.Id);                                // panic_try_start()
        if (old != KernelState.PanicCpuInvalid && old != cpu.Id)            // && panic_on_other_cpu()
            yield return Op.Call(KernelPanic.PanicSmpSelfStop(cpu));

        Printk.BustSpinlocks(cpu, true);
        yield return Op.Call(Printk.PrEmerg(cpu, $"Kernel panic - not syncing: {message}"));
        if (!k.TaintDie && k.OopsInProgress <= 1)
            yield return Op.Call(Printk.DumpStack(cpu, cpu.Apic.InNmi ? "nmi" : "trap"));
        // kgdb_panic(buf): before CPUs are stopped, so kgdb can still see them (no debugger attached)

        if (!postNotifiers)
            yield return Op.Call(CrashKexecBypassingPanicCpu(cpu));
        yield return Op.Call(PanicOtherCpusShutdown(cpu, postNotifiers, panicPrint));
        yield return Op.Call(Printk.PrintkLegacyAllowPanicSync(cpu));  // deliberately after the stop

        yield return Op.Call(KernelPanic.AtomicNotifierCallChain(cpu));
        yield return Op.Call(KernelPanic.SysInfo(cpu, panicPrint));
        yield return Op.Call(KmsgDump(cpu, KmsgDumpReason.Panic));  // kmsg_dump_desc(KMSG_DUMP_PANIC, buf)
        if (postNotifiers)
            yield return Op.Call(CrashKexecBypassingPanicCpu(cpu));

        // console_unblank(); debug_locks_off();
        yield return Op.Call(Printk.ConsoleFlushOnPanic(cpu, replayAll: (panicPrint & KernelPanic.PrintAllPrintkMsg) != 0));
        if (k.PanicTimeout > 0)
            yield return Op.Call(KernelPanic.PanicTimeoutCountdown(cpu));
        if (k.PanicTimeout != 0)
            yield return Op.Call(EmergencyRestart(cpu));

        yield return Op.Call(Printk.PrEmerg(cpu, $"---[ end Kernel panic - not syncing: {message} ]---"));
        yield return Op.Call(Printk.ConsoleFlushOnPanic(cpu));  // suppress_printk = 1; console_flush_on_panic(); nbcon_atomic_flush_unsafe()
        yield return Op.Call(KernelPanic.PanicFinalLoop(cpu));
    }

    /// <summary>
    /// panic_other_cpus_shutdown(crash_kexec): the NMI backtrace panic_print asks for while the other
    /// CPUs can still answer, then smp_send_stop(), or crash_smp_send_stop() when kdump comes later
    /// and needs their registers.
    /// </summary>
    private static IEnumerable<Op> PanicOtherCpusShutdown(CpuActor cpu, bool postNotifiers, int panicPrint)
    {
        if ((panicPrint & KernelPanic.PrintAllCpuBt) != 0)
            yield return Op.Call(X86v6.TriggerAllCpuBacktrace(cpu));
        if (!postNotifiers)
            yield return Op.Call(X86v6.NativeStopOtherCpus(cpu));
        else
            yield return Op.Call(X86v3.CrashSmpSendStop(cpu));
    }

    /// <summary>__crash_kexec(NULL): kexec_trylock(), and machine_crash_shutdown with crash_smp_send_stop.</summary>
    private static IEnumerable<Op> CrashKexecBypassingPanicCpu(CpuActor cpu) => Kexec.CrashKexec(cpu, kmsgDumpKexec: false, crashSmpSendStop: true);

    /// <summary>The oops path's crash_kexec(): panic_try_start(), __crash_kexec(), panic_reset().</summary>
    public override IEnumerable<Op> CrashKexec(CpuActor cpu) => Kexec.PanicCpuCrashKexec(cpu, printkNmiFlushOnPanic: false);

    /// <summary>kexec_should_crash(): "If crash_kexec_post_notifiers is enabled, don't run crash_kexec() here yet".</summary>
    public override bool KexecShouldCrash(CpuActor cpu, bool inInterrupt) => !cpu.Machine.Kernel.Cmdline.CrashKexecPostNotifiers && base.KexecShouldCrash(cpu, inInterrupt);

    protected override IEnumerable<Op> HardlockupPanic(CpuActor cpu, string message) => NmiPanic(cpu, message);

    public override IEnumerable<Op> KmsgDump(CpuActor cpu, KmsgDumpReason reason) => KmsgLockless.KmsgDump(cpu, reason);

    public override bool LocklessPrintk => true;

    public override bool ProtectsCrashKernel => true;
}
