using ActorCrash.Hardware;

namespace ActorCrash.Actors.Kernel;

/// <summary>
/// arch/x86 code of the 2.6.38 era that the panic path calls: stopping the other CPUs with an IPI
/// (smp_send_stop) or an NMI (the kdump shootdown), machine_crash_shutdown and machine_kexec.
/// </summary>
public static class X86
{
    public const long StopWaitNs = VirtualTime.Second;          // native_stop_other_cpus: "Don't wait longer than a second"
    public const long CrashIpiWaitNs = 1000 * VirtualTime.Millisecond; // nmi_shootdown_cpus: mdelay(1) x 1000

    /// <summary>
    /// native_stop_other_cpus(wait=0) of 2.6.38: REBOOT_VECTOR to all but self, wait up to 1 s for
    /// num_online_cpus() == 1, and no NMI fallback ("this implies we cannot stop CPUs spinning with
    /// irq off"). After the timeout the panic carries on with those CPUs still running.
    /// </summary>
    public static IEnumerable<Op> NativeStopOtherCpus(CpuActor cpu)
    {
        var k = cpu.Machine.Kernel;
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

    /// <summary>smp_reboot_interrupt() → stop_this_cpu(): the target side of REBOOT_VECTOR.</summary>
    public static IEnumerable<Op> StopThisCpu(CpuActor cpu)
    {
        var k = cpu.Machine.Kernel;
        cpu.LocalIrqDisable();
        k.SetCpuOnline(cpu, false);  // set_cpu_online(smp_processor_id(), false)
        cpu.Apic.Disable();          // disable_local_APIC()
        cpu.Fate = CpuFate.StoppedByIpi;
        yield return Op.Delay(cpu.Machine.Timing.StopThisCpuNs);
        yield return Op.HaltForever("stop_this_cpu");
    }

    /// <summary>
    /// native_machine_crash_shutdown(): interrupts off, NMI shootdown of the other CPUs (1 s, carry on
    /// regardless), LAPIC/IO-APIC off (disable_IO_APIC takes ioapic_lock), save this CPU's registers.
    /// </summary>
    public static IEnumerable<Op> NativeMachineCrashShutdown(CpuActor cpu)
    {
        var k = cpu.Machine.Kernel;
        cpu.LocalIrqDisable();
        yield return Op.Call(NmiShootdownCpus(cpu));   // kdump_nmi_shootdown_cpus()
        yield return Op.Delay(cpu.Machine.Timing.StepNs);  // cpu_emergency_vmxoff(), lapic_shutdown()
        cpu.Apic.Disable();
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
        cpu.SendToDevice(cpu.Machine.InterruptController, new SendNmi(AllButCpu: cpu.Id));
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

    private static string OnlineOthers(CpuActor cpu)
    {
        var k = cpu.Machine.Kernel;
        return string.Join(", ", Enumerable.Range(0, k.CpuCount).Where(c => c != cpu.Id && k.Online[c]).Select(c => $"cpu{c}"));
    }
}
