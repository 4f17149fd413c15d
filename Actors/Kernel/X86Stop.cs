using ActorCrash.Hardware;

namespace ActorCrash.Actors.Kernel;

/// <summary>
/// arch/x86 code of 3.5 to 6.4 that the later panic paths call: smp_send_stop() with an NMI stage
/// after the REBOOT_VECTOR "sync point" (7d007d21e539 "x86/reboot: Use NMI to assist in shutting
/// down if IRQ fails", Don Zickus, v3.5), crash_smp_send_stop() and the kdump shutdown of 4.10
/// (0ee59413c967), and nmi_panic_self_stop() (58c5661f2144, v4.5).
/// </summary>
public static class X86v3
{
    public const long NmiStopWaitNs = 10 * VirtualTime.Millisecond;  // "Don't wait longer than a 10 ms"
    private const long LongWaitNs = 3600 * VirtualTime.Second;       // a poll that never gives up, re-armed hourly

    /// <summary>
    /// native_stop_other_cpus(wait=0) of 3.5–6.4: REBOOT_VECTOR to all but self and up to 1 s for
    /// num_online_cpus() == 1 — "The irq is treated as a sync point to allow critical regions of code
    /// on other cpus to release their spin locks and re-enable irqs. Jumping straight to an NMI might
    /// accidentally cause deadlocks with further shutdown/panic code" — then, unless nonmi_ipi, an NMI
    /// to all but self and 10 ms more. The waiter watches cpu_online_mask, which stop_this_cpu()
    /// clears before it reaches HLT: the stopper can go ahead while a target still runs (§3 K5, v6.5).
    /// </summary>
    public static IEnumerable<Op> NativeStopOtherCpus(CpuActor cpu)
    {
        var k = cpu.Machine.Kernel;
        if (k.Cmdline.RebootForce) yield break;
        if (k.OnlineCount > 1)
        {
            // did someone beat us here?
            if (k.StoppingCpu != -1) yield break;
            k.StoppingCpu = cpu.Id;
            cpu.SendToDevice(cpu.Machine.InterruptController, new SendIpi(InterruptVector.Reboot, AllButCpu: cpu.Id));
            yield return Op.WaitFor(k.OnlineChanged, () => k.OnlineCount == 1, X86.StopWaitNs);
        }
        // if the REBOOT_VECTOR didn't work, try with the NMI
        if (k.OnlineCount > 1 && !k.Cmdline.NoNmiIpi)
        {
            k.StopNmiHandlerRegistered = true;  // register_nmi_handler(NMI_LOCAL, smp_stop_nmi_callback, NMI_FLAG_FIRST)
            k.Milestone(cpu, $"smp_send_stop: {k.OnlineCount - 1} CPU(s) still online after 1 s: {X86.OnlineOthers(cpu)}; NMI");
            yield return Op.Call(Printk.Vprintk(cpu, "Shutting down cpus with NMI"));
            cpu.SendToDevice(cpu.Machine.InterruptController, new SendNmi(AllButCpu: cpu.Id));
            yield return Op.WaitFor(k.OnlineChanged, () => k.OnlineCount == 1, NmiStopWaitNs);
        }
        ReportStop(cpu, k.OnlineCount - 1, "offline");
        var flags = cpu.LocalIrqSave();
        cpu.Apic.Disable();  // disable_local_APIC(); mcheck_cpu_clear()
        cpu.LocalIrqRestore(flags);
    }

    /// <summary>The outcome of a stop, as a milestone: who is left, and who is offline but not yet halted.</summary>
    internal static void ReportStop(CpuActor cpu, int left, string stopped)
    {
        var k = cpu.Machine.Kernel;
        if (left > 0)
            k.Milestone(cpu, $"smp_send_stop: {left} CPU(s) not stopped: {X86.OnlineOthers(cpu)}");
        else if (k.StopThisCpuInFlight > 0)
            k.Milestone(cpu, $"smp_send_stop: all other CPUs {stopped}, {k.StopThisCpuInFlight} still running stop_this_cpu");
        else
            k.Milestone(cpu, $"smp_send_stop: all other CPUs {stopped}");
    }

    /// <summary>
    /// crash_smp_send_stop() (4.10): "executes only once"; kdump_nmi_shootdown_cpus(): the NMI
    /// shootdown, which saves every other CPU's registers for the vmcore, then disable_local_APIC().
    /// There is no IPI stage: a CPU inside a critical section is stopped there.
    /// </summary>
    public static IEnumerable<Op> CrashSmpSendStop(CpuActor cpu)
    {
        var k = cpu.Machine.Kernel;
        if (k.CrashSmpStopped) yield break;
        yield return Op.Call(X86.NmiShootdownCpus(cpu));
        cpu.Apic.Disable();
        k.CrashSmpStopped = true;
    }

    /// <summary>native_machine_crash_shutdown() of 4.10 on: crash_smp_send_stop() (a no-op when panic() already ran it), then the local shutdown.</summary>
    public static IEnumerable<Op> NativeMachineCrashShutdown(CpuActor cpu)
    {
        cpu.LocalIrqDisable();
        yield return Op.Call(CrashSmpSendStop(cpu));
        yield return Op.Call(X86.CrashShutdownThisCpu(cpu, zapIoapicLocks: true));
    }

    /// <summary>
    /// nmi_panic_self_stop() (x86, 4.5): a CPU that panics in NMI context while another CPU panics
    /// loops here; once crash_ipi_issued is set it runs crash_nmi_callback() itself — it cannot take
    /// the shootdown NMI, being inside an NMI already — so kdump gets its registers.
    /// </summary>
    public static IEnumerable<Op> NmiPanicSelfStop(CpuActor cpu)
    {
        var k = cpu.Machine.Kernel;
        cpu.Fate = CpuFate.SelfStopped;
        k.Milestone(cpu, "nmi_panic_self_stop");
        while (!k.CrashIpiIssued)
            yield return Op.WaitFor(k.CrashIpiIssuedChanged, () => k.CrashIpiIssued, LongWaitNs);
        yield return Op.Call(X86.CrashNmiCallback(cpu));  // run_crash_ipi_callback()
    }
}

/// <summary>
/// arch/x86 code of 6.5 on: the mask-based native_stop_other_cpus() of Thomas Gleixner's series
/// (1f5e7eb7868e "x86/smp: Make stop_other_cpus() more robust", v6.5-rc1) and the NMI backtrace
/// that panic_print's 0x40 asks for before the stop.
/// </summary>
public static class X86v6
{
    public const long BacktraceWaitNs = 10 * VirtualTime.Second;  // nmi_trigger_cpumask_backtrace: "Wait for up to 10 seconds"

    /// <summary>
    /// native_stop_other_cpus(wait=0) of 6.5+: only the first CPU gets through; REBOOT_VECTOR to all
    /// but self and up to 1 s for cpus_stop_mask to empty; then an NMI only to the CPUs still in the
    /// mask and 10 ms more. A target clears its bit right before HLT, so "stopped" means halted.
    /// </summary>
    public static IEnumerable<Op> NativeStopOtherCpus(CpuActor cpu)
    {
        var k = cpu.Machine.Kernel;
        if (k.Cmdline.RebootForce) yield break;
        // Only proceed if this is the first CPU to reach this code
        if (k.StoppingCpu != -1) yield break;
        k.StoppingCpu = cpu.Id;
        // (kexec_in_progress: smp_kick_mwait_play_dead() — no CPU is parked in MWAIT in the emulator)
        k.CpusStopMask.CopyOnlineBut(k.Online, cpu.Id);
        if (k.CpusStopMask.Weight > 0)
        {
            cpu.SendToDevice(cpu.Machine.InterruptController, new SendIpi(InterruptVector.Reboot, AllButCpu: cpu.Id));
            yield return Op.WaitFor(k.CpusStopMask, () => k.CpusStopMask.Weight == 0, X86.StopWaitNs);
        }
        // if the REBOOT_VECTOR didn't work, try with the NMI
        if (k.CpusStopMask.Weight > 0)
        {
            if (!k.Cmdline.NoNmiIpi)
            {
                k.StopNmiHandlerRegistered = true;
                k.Milestone(cpu, $"smp_send_stop: {k.CpusStopMask.Weight} CPU(s) not at HLT after 1 s; NMI to them");
                yield return Op.Call(Printk.Vprintk(cpu, "Shutting down cpus with NMI"));
                for (var c = 0; c < k.CpuCount; c++)
                    if (k.CpusStopMask[c]) X86.SendNmiTo(cpu, c);
            }
            yield return Op.WaitFor(k.CpusStopMask, () => k.CpusStopMask.Weight == 0, X86v3.NmiStopWaitNs);
        }
        X86v3.ReportStop(cpu, k.CpusStopMask.Weight, "halted");
        var flags = cpu.LocalIrqSave();
        cpu.Apic.Disable();  // disable_local_APIC(); mcheck_cpu_clear()
        cpu.LocalIrqRestore(flags);
        k.CpusStopMask.Clear();
    }

    /// <summary>
    /// trigger_all_cpu_backtrace() → nmi_trigger_cpumask_backtrace(): an NMI to every other online
    /// CPU, each prints its registers and stack (panic_triggering_all_cpu_backtrace lets it write
    /// the log during the panic); wait up to 10 s for all of them.
    /// </summary>
    public static IEnumerable<Op> TriggerAllCpuBacktrace(CpuActor cpu)
    {
        var k = cpu.Machine.Kernel;
        k.BacktraceMask.CopyOnlineBut(k.Online, cpu.Id);
        if (k.BacktraceMask.Weight == 0) yield break;
        var targets = string.Join(",", Enumerable.Range(0, k.CpuCount).Where(c => k.BacktraceMask[c]));
        yield return Op.Call(Printk.Vprintk(cpu, $"Sending NMI from CPU {cpu.Id} to CPUs {targets}:"));
        for (var c = 0; c < k.CpuCount; c++)
            if (k.BacktraceMask[c]) X86.SendNmiTo(cpu, c);
        yield return Op.WaitFor(k.BacktraceMask, () => k.BacktraceMask.Weight == 0, BacktraceWaitNs);
        if (cpu.LastWaitTimedOut)
            k.Milestone(cpu, $"trigger_all_cpu_backtrace: {k.BacktraceMask.Weight} CPU(s) did not answer within 10 s");
    }

    /// <summary>nmi_cpu_backtrace(): the target side; prints this CPU's registers and stack, then clears its bit.</summary>
    public static IEnumerable<Op> NmiCpuBacktrace(CpuActor cpu)
    {
        yield return Op.Call(Printk.Vprintk(cpu, $"NMI backtrace for cpu {cpu.Id}"));
        yield return Op.Call(Printk.Vprintk(cpu, $"CPU: {cpu.Id} PID: 0 Comm: swapper/{cpu.Id}"));
        cpu.Machine.Kernel.BacktraceMask.ClearCpu(cpu);  // cpumask_clear_cpu(cpu, to_cpumask(backtrace_mask))
    }
}
