namespace ActorCrash.Actors.Kernel;

/// <summary>
/// crash_kexec() and __crash_kexec() (kernel/kexec.c; kexec_core.c from 4.3; crash_core.c from
/// ≈6.9): the jump to the crash kernel, shared by every era; what changed is a flag at the call.
/// </summary>
public static class Kexec
{
    /// <summary>
    /// __crash_kexec() (crash_kexec() before 4.5): kexec_mutex by trylock, never waited for (6.1+:
    /// kexec_trylock(), an atomic, the same here); with a crash image loaded, crash_setup_regs(),
    /// crash_save_vmcoreinfo(), machine_crash_shutdown(), machine_kexec() — which does not return.
    /// </summary>
    /// <param name="kmsgDumpKexec">2.6.38's hook the 2011 thread is about: kmsg_dump(KMSG_DUMP_KEXEC) before the shutdown ("kexec: remove KMSG_DUMP_KEXEC", 2011).</param>
    /// <param name="crashSmpSendStop">4.10+: machine_crash_shutdown() stops the others with crash_smp_send_stop(), a no-op when panic() already did.</param>
    public static IEnumerable<Op> CrashKexec(CpuActor cpu, bool kmsgDumpKexec, bool crashSmpSendStop)
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
            if (kmsgDumpKexec)
                yield return Op.Call(Kmsg.KmsgDump(cpu, KmsgDumpReason.Kexec));  // a dumper that hangs here blocks kdump for good
            yield return Op.Delay(cpu.Machine.Timing.StepNs);                    // crash_setup_regs(); crash_save_vmcoreinfo()
            yield return Op.Call(crashSmpSendStop ? X86v3.NativeMachineCrashShutdown(cpu) : X86.NativeMachineCrashShutdown(cpu));
            yield return Op.Call(X86.MachineKexec(cpu));
        }
        cpu.Unlock(k.KexecMutex);
    }

    /// <summary>
    /// crash_kexec() of 4.5+, as the oops path calls it (7bbee5ca3896 "kexec: Fix race between panic()
    /// and crash_kexec()"): "Only one CPU is allowed to execute the crash_kexec() code as with panic()",
    /// so it takes panic_cpu, and resets it after, "to allow another panic()/crash_kexec() call" when
    /// no crash image is loaded. panic() itself calls __crash_kexec(), bypassing the check.
    /// </summary>
    /// <param name="printkNmiFlushOnPanic">4.7–4.10: printk_nmi_flush_on_panic() first.</param>
    /// <param name="crashSmpSendStop">4.10+: machine_crash_shutdown() with crash_smp_send_stop().</param>
    public static IEnumerable<Op> PanicCpuCrashKexec(CpuActor cpu, bool printkNmiFlushOnPanic, bool crashSmpSendStop = true)
    {
        var k = cpu.Machine.Kernel;
        if (k.PanicCpuCmpxchg(cpu.Id) != KernelState.PanicCpuInvalid) yield break;
        // This is the 1st CPU which comes here, so go ahead.
        if (printkNmiFlushOnPanic) yield return Op.Call(Printk.PrintkNmiFlushOnPanic(cpu));
        yield return Op.Call(CrashKexec(cpu, kmsgDumpKexec: false, crashSmpSendStop: crashSmpSendStop));
        k.PanicReset();
    }
}
