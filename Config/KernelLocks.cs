namespace ActorCrash.Config;

/// <summary>The kernel locks a scenario may name in <c>holding</c> and <c>lock</c>.</summary>
public static class KernelLocks
{
    public static IReadOnlyList<string> Names { get; } =
        ["logbuf_lock", "xtime_lock", "console_sem", "ramoops_mutex", "kexec_mutex", "ioapic_lock", "pstore_buf_lock", "efi_runtime_lock", "nvcon_port_lock"];
}
