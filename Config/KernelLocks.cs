namespace ActorCrash.Config;

/// <summary>The kernel locks a scenario may name in <c>holding</c> and <c>lock</c>.</summary>
public static class KernelLocks
{
    public static IReadOnlyList<string> Names { get; } =
        ["logbuf_lock", "xtime_lock", "console_sem", "kexec_mutex", "ioapic_lock", "pstore_buf_lock", "efi_runtime_lock", "nvcon_port_lock", "workqueue_pool_lock", "efivars_lock",
         // the pstore-era ramoops zones' buffer_lock (taken from 6.x on; the zone must exist)
         DmesgZoneLock, ConsoleZoneLock, PmsgZoneLock];

    public const string DmesgZoneLock = "dmesg-ramoops-0.buffer_lock", ConsoleZoneLock = "console-ramoops-0.buffer_lock",
        PmsgZoneLock = "pmsg-ramoops-0.buffer_lock";
}
