namespace ActorCrash.Hardware;

/// <summary>Fixed vectors the emulated kernel sends or its local APIC raises (x86 numbers; a higher vector is taken first). NMIs are not vectors.</summary>
public enum InterruptVector
{
    /// <summary>REBOOT_VECTOR: smp_send_stop's "stop this CPU" IPI.</summary>
    Reboot = 0xf8,
    /// <summary>CALL_FUNCTION_VECTOR: smp_call_function.</summary>
    CallFunction = 0xfc,
    /// <summary>IRQ_WORK_VECTOR: the self-IPI arch_irq_work_raise() sends (arch/x86/kernel/irq_work.c); its handler runs irq_work_run().</summary>
    IrqWork = 0xf6,
    /// <summary>LOCAL_TIMER_VECTOR (0xec in 6.x): the local APIC timer's tick; update_process_times() runs irq_work_tick().</summary>
    LocalTimer = 0xec,
}

/// <summary>Where an NMI came from: the IPI fabric (NMI_VECTOR), the CPU's own perf-counter watchdog, or the platform (NMI pin).</summary>
public enum NmiSource
{
    Ipi,
    Watchdog,
    /// <summary>A platform NMI with no reason bits the kernel knows (unknown_nmi_error).</summary>
    Unknown,
    /// <summary>The chipset's IO check (NMI_REASON_IOCHK: io_check_error).</summary>
    IoCheck,
}
