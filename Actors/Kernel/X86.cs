using ActorCrash.Hardware;

namespace ActorCrash.Actors.Kernel;

/// <summary>
/// arch/x86 code of the 2.6.38 era that the panic path calls: stopping the other CPUs with an IPI
/// (smp_send_stop) or an NMI (the kdump shootdown), machine_crash_shutdown and machine_kexec.
/// The routines later kernels kept (stop_this_cpu, nmi_shootdown_cpus, crash_nmi_callback) live
/// here too; what they changed is in <see cref="X86v3"/> and <see cref="X86v6"/> (X86Stop.cs).
/// </summary>
public static class X86
{
    public const long StopWaitNs = VirtualTime.Second;          // native_stop_other_cpus: "Don't wait longer than a second"
    public const long CrashIpiWaitNs = 1000 * VirtualTime.Millisecond; // nmi_shootdown_cpus: mdelay(1) x 1000

    private static readonly DeliverNmi NmiVector = new(NmiSource.Ipi);

    /// <summary>
    /// native_stop_other_cpus(wait=0) of 2.6.38: REBOOT_VECTOR to all but self, wait up to 1 s for
    /// num_online_cpus() == 1, and no NMI fallback ("this implies we cannot stop CPUs spinning with
    /// irq off"). After the timeout the panic carries on with those CPUs still running.
    /// </summary>
    public static IEnumerable<Op> NativeStopOtherCpus(CpuActor cpu)
    {
        var k = cpu.Machine.Kernel;
        if (k.Cmdline.RebootForce) yield break;  // reboot=force
        if (k.OnlineCount > 1)
        {
            cpu.SendToDevice(cpu.Machine.InterruptController, new SendIpi(InterruptVector.Reboot, AllButCpu: cpu.Id));
            yield return Op.WaitFor(k.OnlineChanged, () => k.OnlineCount == 1, StopWaitNs);
            if (cpu.LastWaitTimedOut)
                k.Milestone(cpu, $"smp_send_stop: {k.OnlineCount - 1} CPU(s) still online after 1 s: {OnlineOthers(cpu)}");
            else
                k.Milestone(cpu, "smp_send_stop: all other CPUs offline");
        }
        var flags = cpu.LocalIrqSave();
        cpu.Apic.Disable();  // disable_local_APIC()
        cpu.LocalIrqRestore(flags);
    }

    /// <summary>
    /// stop_this_cpu(): the target side of REBOOT_VECTOR (smp_reboot_interrupt), and from 3.5 of the
    /// stop NMI (smp_stop_nmi_callback). The CPU leaves cpu_online_mask first and reaches HLT only
    /// after mcheck_cpu_clear() and friends; from 6.5 it clears its cpus_stop_mask bit right before
    /// HLT, so a stopper that waits on the mask cannot go ahead while it is still running (§3 K5).
    /// </summary>
    public static IEnumerable<Op> StopThisCpu(CpuActor cpu, CpuFate how = CpuFate.StoppedByIpi)
    {
        var k = cpu.Machine.Kernel;
        cpu.LocalIrqDisable();
        k.SetCpuOnline(cpu, false);  // set_cpu_online(smp_processor_id(), false)
        cpu.Apic.Disable();          // disable_local_APIC()
        cpu.Fate = how;
        k.StopThisCpuInFlight++;
        yield return Op.Delay(cpu.Machine.Timing.StopThisCpuNs);  // mcheck_cpu_clear(), wbinvd()
        k.StopThisCpuInFlight--;
        k.CpusStopMask.ClearCpu(cpu); // 6.5+: cpumask_clear_cpu(cpu, &cpus_stop_mask)
        yield return Op.HaltForever("stop_this_cpu");
    }

    /// <summary>__apic_send_IPI(target, NMI_VECTOR): one NMI to one CPU, with the fabric's latency.</summary>
    public static void SendNmiTo(CpuActor cpu, int target)
    {
        var t = cpu.Machine.Timing;
        cpu.Runtime.Send(cpu.Address, cpu.Machine.CpuAddress(target), NmiVector, t.NmiLatencyMinNs, t.NmiLatencyMaxNs);
    }

    /// <summary>
    /// native_machine_crash_shutdown(): interrupts off, NMI shootdown of the other CPUs (1 s, carry on
    /// regardless), LAPIC/IO-APIC off (disable_IO_APIC takes ioapic_lock), save this CPU's registers.
    /// 3.x already zaps ioapic_lock first (arch/x86/kernel/crash.c of 3.12); 2.6.38 does not.
    /// </summary>
    public static IEnumerable<Op> NativeMachineCrashShutdown(CpuActor cpu)
    {
        cpu.LocalIrqDisable();
        yield return Op.Call(NmiShootdownCpus(cpu));   // kdump_nmi_shootdown_cpus()
        yield return Op.Call(CrashShutdownThisCpu(cpu, zapIoapicLocks: cpu.Machine.Design.Era.IoapicZapLocks));
    }

    /// <summary>
    /// The CPU-local half of native_machine_crash_shutdown() (Vivek's "second part [that] can do the
    /// actual disabling of LAPIC/IOAPIC and saving cpu registers"): VMX off, lapic_shutdown(),
    /// disable_IO_APIC() under ioapic_lock, crash_save_cpu(). <paramref name="zapIoapicLocks"/>:
    /// later kernels first re-initialise ioapic_lock, "Prevent crash_kexec() from deadlocking on ioapic_lock".
    /// </summary>
    public static IEnumerable<Op> CrashShutdownThisCpu(CpuActor cpu, bool zapIoapicLocks)
    {
        var k = cpu.Machine.Kernel;
        yield return Op.Delay(cpu.Machine.Timing.StepNs);  // cpu_emergency_vmxoff(), lapic_shutdown()
        cpu.Apic.Disable();
        if (zapIoapicLocks && k.IoapicLock.IsHeld) k.IoapicLock.Release(k.IoapicLock.Holder, cpu.Machine.WakeWaiters);  // ioapic_zap_locks()
        var flags = cpu.LocalIrqSave();
        yield return Op.SpinLock(k.IoapicLock);        // disable_IO_APIC() → clear_IO_APIC_pin()
        yield return Op.Delay(cpu.Machine.Timing.StepNs);
        cpu.Unlock(k.IoapicLock);
        cpu.LocalIrqRestore(flags);
        k.CrashNotesSaved[cpu.Id] = true;              // crash_save_cpu(regs, safe_smp_processor_id())
    }

    /// <summary>
    /// nmi_shootdown_cpus(kdump_nmi_callback): NMI to all but self, each answers in crash_nmi_callback;
    /// wait at most 1000 ms. "Leave the nmi callback set": CPUs that answer late still halt.
    /// </summary>
    public static IEnumerable<Op> NmiShootdownCpus(CpuActor cpu)
    {
        var k = cpu.Machine.Kernel;
        cpu.LocalIrqDisable();
        k.CrashingCpu = cpu.Id;
        k.WaitingForCrashIpi = k.OnlineCount - 1;
        k.CrashNmiCallbackRegistered = true;  // register_die_notifier(&crash_nmi_nb)
        if (cpu.Machine.Design.Era.ShootdownNmiOnlineOnly)
        {
            // apic->send_IPI_allbutself() over cpu_online_mask: CPUs smp_send_stop() took offline get no NMI.
            for (var c = 0; c < k.CpuCount; c++)
                if (c != cpu.Id && k.Online[c]) SendNmiTo(cpu, c);
        }
        else
            cpu.SendToDevice(cpu.Machine.InterruptController, new SendNmi(AllButCpu: cpu.Id));
        k.IssueCrashIpi(cpu);                 // 4.5+: WRITE_ONCE(crash_ipi_issued, 1); nothing polls it in earlier designs
        yield return Op.WaitFor(k.CrashIpiAcks, () => k.WaitingForCrashIpi <= 0, CrashIpiWaitNs);
        if (cpu.LastWaitTimedOut)
            k.Milestone(cpu, $"nmi_shootdown_cpus: {k.WaitingForCrashIpi} CPU(s) did not answer the NMI within 1000 ms");
        else
            k.Milestone(cpu, "nmi_shootdown_cpus: all other CPUs halted");
    }

    /// <summary>crash_nmi_callback() on a target CPU: save registers for the vmcore, then halt for good.</summary>
    public static IEnumerable<Op> CrashNmiCallback(CpuActor cpu)
    {
        var k = cpu.Machine.Kernel;
        cpu.LocalIrqDisable();
        yield return Op.Delay(cpu.Machine.Timing.StepNs);  // kdump_nmi_callback(): crash_save_cpu, vmxoff
        k.CrashNotesSaved[cpu.Id] = true;
        cpu.Apic.Disable();                                 // disable_local_APIC()
        k.WaitingForCrashIpi--;                             // atomic_dec(&waiting_for_crash_ipi)
        cpu.Machine.WakeWaiters(k.CrashIpiAcks, cpu.Id);
        cpu.Fate = CpuFate.StoppedByNmi;
        yield return Op.HaltForever("crash_nmi_callback");
    }

    /// <summary>machine_kexec(): jump to purgatory; never returns.</summary>
    public static IEnumerable<Op> MachineKexec(CpuActor cpu)
    {
        cpu.Machine.Kernel.Milestone(cpu, "machine_kexec: jumping to purgatory");
        cpu.LocalIrqDisable();
        cpu.Fate = CpuFate.InCrashKernel;
        cpu.SendToDevice(cpu.Machine.CrashKernel, new MachineKexec(cpu.Id));
        yield return Op.SpinForever("in purgatory / the crash kernel");
    }

    /// <summary>machine_emergency_restart(): ask the firmware to reset; never returns.</summary>
    public static IEnumerable<Op> MachineEmergencyRestart(CpuActor cpu)
    {
        cpu.Machine.Kernel.Milestone(cpu, "machine_emergency_restart");
        cpu.SendToDevice(cpu.Machine.Firmware, new EmergencyRestart(cpu.Id));
        yield return Op.SpinForever("waiting for the reset");
    }

    internal static string OnlineOthers(CpuActor cpu)
    {
        var k = cpu.Machine.Kernel;
        return string.Join(", ", Enumerable.Range(0, k.CpuCount).Where(c => c != cpu.Id && k.Online[c]).Select(c => $"cpu{c}"));
    }
}
