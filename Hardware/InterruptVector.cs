namespace ActorCrash.Hardware;

/// <summary>Fixed-vector IPIs the emulated kernel sends (x86 numbers). NMIs are not vectors.</summary>
public enum InterruptVector
{
    /// <summary>REBOOT_VECTOR: smp_send_stop's "stop this CPU" IPI.</summary>
    Reboot = 0xf8,
    /// <summary>CALL_FUNCTION_VECTOR: smp_call_function.</summary>
    CallFunction = 0xfc,
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
