namespace ActorCrash.Config;

/// <summary>
/// A scenario, fully resolved: the machine, the kernel command line, what each CPU is doing when the
/// scenario starts, the triggers, the limits and the seed. Produced by <see cref="ScenarioLoader"/>
/// from a HOCON file over the defaults in <c>akka.hocon</c>; consumed by the emulated machine.
/// All times are virtual nanoseconds.
/// </summary>
public sealed record ScenarioSpec(
    string Name,
    string Description,
    string Source,              // file path, or "built-in:NAME"
    string Design,              // panic-path design, e.g. "linux-2.6.38"
    ulong Seed,
    MachineSpec Machine,
    KernelCmdline Cmdline,
    IReadOnlyList<CpuSpec> Cpus,        // one entry per CPU, index = CPU number
    IReadOnlyList<TriggerSpec> Triggers, // ordered by time, then by order in the file
    TimingSpec Timing,
    LimitsSpec Limits,
    IReadOnlyList<string> Properties,   // what must hold on every run (see PropertyNames), checked by `explore`
    DesignOptions? Options = null,      // design-options: how to read the 2011 proposals (null: the defaults)
    IReadOnlyList<NotifierSpec>? Notifiers = null); // panic-notifiers: callbacks on panic_notifier_list, in order

/// <summary>A panic notifier a scenario registers: its name and what its callback does (the thirdparty script).</summary>
public sealed record NotifierSpec(string Name, ThirdPartyParams Script);

/// <summary>design-options: where a 2011 proposal leaves a choice, which reading the run takes.</summary>
public sealed record DesignOptions(
    bool VivekLoserHalts = true,   // vivek-2011.shutdown-mutex-loser = halt | carry-on
    bool EricIrqsOffDump = false); // eric-2011.irqs-off-dump: local_irq_disable() around kmsg_dump(PANIC)

/// <summary>The emulated machine's hardware.</summary>
public sealed record MachineSpec(
    int CpuCount,
    KdumpSpec Kdump,
    NvramSpec Nvram,
    IReadOnlyList<DumperSpec> Dumpers,
    WatchdogSpec Watchdog,
    IReadOnlyList<FaultSpec>? Faults = null,  // device faults at virtual times (machine.faults)
    bool NbconConsole = false)                // machine.console.nbcon: an nbcon console is registered besides the legacy ones
{
    /// <summary>machine.actor-dumpers: kmsg dumpers whose device side is an Akka actor of these assembly-qualified type names.</summary>
    public IReadOnlyList<string> ActorDumpers { get; init; } = [];
}

/// <summary>A device fault the harness injects at a virtual time: it lives in the device, never in a design.</summary>
public sealed record FaultSpec(
    long AtNs,
    string Fault,               // see FaultKinds
    int Offset,                 // bit-flip: first byte
    int Bytes,                  // bit-flip: how many consecutive bytes get one bit flipped; slow-write: the slowdown factor
    string Device = FaultKinds.Nvram); // nvram | mtd | efi

/// <summary>The crash kernel: whether one is loaded (kexec -p) and how its boot goes.</summary>
public sealed record KdumpSpec(
    bool Loaded,
    long BootNs,                // purgatory + crash kernel boot until /proc/vmcore is readable
    long CaptureNs,             // makedumpfile saving the vmcore
    bool BootFails);            // the crash kernel itself fails (bad driver, OOM): no vmcore

/// <summary>Persistent RAM that survives a warm reset (ramoops' backing store).</summary>
public sealed record NvramSpec(
    long SizeBytes,
    long WriteNsPerByte,
    int ChunkBytes,
    bool BatteryBacked = false); // survives power loss too (battery or NVDIMM); plain DRAM only survives a warm reset            // bytes stored per emulated step: a reset can tear a record between chunks

/// <summary>
/// One registered kmsg dumper: the fields every driver has, and its own parameters (null for the
/// 2.6.38 ramoops driver, which has no others). Types in <see cref="DumperTypes"/>.
/// </summary>
public sealed record DumperSpec(
    string Type,                // "ramoops", "mtdoops", "thirdparty"
    long RecordSize,            // ramoops.record_size / mtdoops.record_size
    long MemSize,               // ramoops.mem_size / the MTD partition's size
    bool DumpOops,              // ramoops.dump_oops / mtdoops.dump_oops
    DumperParams? Params = null);

/// <summary>A dumper's own parameters.</summary>
public abstract record DumperParams;

/// <summary>ramoops as a pstore backend (ramoops.era = pstore): fs/pstore/ram.c's module parameters and pstore's.</summary>
public sealed record PstoreRamParams(
    long ConsoleSize,           // ramoops.console_size (bytes; 0: no pstore console)
    long PmsgSize,              // ramoops.pmsg_size (bytes; 0: no /dev/pmsg0)
    int MaxReason,              // ramoops.max_reason (-1: from dump_oops; today's enum: 1 PANIC, 2 OOPS, 3 EMERG, 4 SHUTDOWN, 5 MAX)
    int Ecc,                    // ramoops.ecc: parity bytes per 128-byte block (0: off, 1 means 16)
    long KmsgBytes,             // pstore.kmsg_bytes
    IReadOnlyList<string> Pmsg) : DumperParams;  // strings userspace wrote to /dev/pmsg0 before the scenario

/// <summary>mtdoops (drivers/mtd/mtdoops.c) on an emulated MTD partition.</summary>
public sealed record MtdoopsParams(
    bool Current,               // mtdoops.era: false = 2.6.38 (v1 header, no oops_buf_busy), true = today (v2 header with a time stamp)
    bool PanicWrite,            // the MTD driver implements panic_write
    long EraseSize,             // machine.mtd.erasesize (bytes)
    long WriteNsPerByte,        // machine.mtd.write-ns-per-byte
    long EraseNs,               // machine.mtd.erase-time
    int PriorRecords,           // records earlier boots left, pages 0.. (seq 1..)
    int Chunk,                  // bytes programmed per emulated step
    IReadOnlyList<int> BadBlocks) : DumperParams;  // machine.mtd.bad-blocks: erase-block indexes

/// <summary>efi-pstore on the emulated UEFI variable store (machine.efi).</summary>
public sealed record EfiPstoreParams(
    long StoreSize,             // machine.efi.store-size: bytes of variable space
    long CallNs,                // machine.efi.call-time: one SetVariable() call in the firmware
    long WriteNsPerByte,        // machine.efi.write-ns-per-byte
    long KmsgBytes) : DumperParams;  // pstore.kmsg_bytes

/// <summary>Eric's NVRAM console (machine.nvram-console): every printed line into a ring in persistent RAM.</summary>
public sealed record NvramConsoleParams(
    long Offset,                // where its ring starts in machine.nvram (after ramoops' mem_size when ramoops is registered)
    long Size) : DumperParams;  // machine.nvram-console.size

/// <summary>An unaudited third-party dumper, scripted (machine.thirdparty).</summary>
public sealed record ThirdPartyParams(
    string Behaviour,           // see ThirdPartyBehaviours
    string? Lock,               // take-lock: the kernel lock it takes
    long TimeNs) : DumperParams;  // how long it spins, sleeps, writes or holds (0: forever where that applies)

/// <summary>A hardware watchdog (iTCO, BMC) that keeps counting during the panic.</summary>
public sealed record WatchdogSpec(
    bool Enabled,
    long TimeoutNs,             // expires this long after the last ping
    long LastPingNs);           // virtual time of the last ping before the scenario's triggers (≤ 0)

/// <summary>
/// The kernel command line as the user wrote it, and what the emulated kernel parsed from it; plus the
/// scenario's <c>kconfig</c> and <c>sysctl</c> settings (the 2011 thread's opt-outs). Which parameters a
/// design knows is in <see cref="KernelParameters"/>; the defaults here are the kernel's.
/// </summary>
public sealed record KernelCmdline(
    string Raw,
    int PanicTimeoutSeconds,    // panic=N (0 = never reboot; < 0 = reboot at once, kept only where the design has it)
    bool OopsPanic,             // oops=panic
    string? CrashKernel,        // crashkernel=... (null = no region reserved)
    string NmiWatchdog,         // nmi_watchdog=0|1|panic|nopanic ("1" when absent: the hard-lockup detector is on, but only warns)
    bool CrashKexecPostNotifiers = false, // crash_kexec_post_notifiers: notifiers and kmsg_dump before kdump (linux-4.10, linux-6.x)
    int PanicPrint = 0,         // panic_print=MASK: what sys_info() prints in panic (linux-6.x)
    bool NoNmiIpi = false,      // nonmi_ipi: smp_send_stop has no NMI stage (linux-3.12 and later)
    bool AlwaysKmsgDump = false, // printk.always_kmsg_dump: dumpers get EMERG and SHUTDOWN too (linux-3.12 and later)
    bool RebootForce = false,   // reboot=force (reboot=f...): smp_send_stop returns at once
    string Kconfig = "",        // the scenario's kconfig, as written
    bool KmsgDumpCompiledIn = true, // kconfig CONFIG_KMSG_DUMP=n: kmsg_dump() compiled out, no dumper can register
    string Sysctl = "",         // the scenario's sysctl, as written
    bool KdumpMsg = true,       // sysctl kernel.kdump_msg=0: vivek-2011's /proc switch, panic skips kdump_msg()
    bool PstoreCompress = false, // kconfig CONFIG_PSTORE_COMPRESS=y: dmesg records deflated, ramoops header "-C" (3.12 and later)
    bool PstoreConsole = true,  // kconfig CONFIG_PSTORE_CONSOLE=n: no pstore console (3.12 and later)
    bool PstorePmsg = true,     // kconfig CONFIG_PSTORE_PMSG=n: no /dev/pmsg0 (4.10 and later)
    IReadOnlyList<string>? NotModelled = null, // real kernel parameters accepted but not modelled (quiet, console=, root=, ...)
    bool UnknownNmiPanic = false, // unknown_nmi_panic, kernel.unknown_nmi_panic
    bool PanicOnUnrecoveredNmi = false, // kernel.panic_on_unrecovered_nmi (a variable of its own: unknown_nmi_error() panics if either is set)
    bool PanicOnIoNmi = false,  // kernel.panic_on_io_nmi
    bool SoftlockupPanic = false, // softlockup_panic=1, kernel.softlockup_panic
    bool HungTaskPanic = false, // hung_task_panic=1, kernel.hung_task_panic
    bool PanicOnWarn = false);  // panic_on_warn, kernel.panic_on_warn (3.19 and later)

/// <summary>What a CPU is doing when the scenario starts.</summary>
public sealed record CpuSpec(
    int Cpu,
    CpuActivity Activity,
    bool IrqsOff,               // for Spin: spinning with interrupts disabled (a hard lockup)
    IReadOnlyList<string> Holding, // kernel locks held from the start, e.g. "logbuf_lock"
    long PeriodNs,              // for PrintkLoop / LockLoop / Timekeeping: time between iterations
    long HoldNs,                // for PrintkLoop / LockLoop / Timekeeping: time the lock is held each iteration
    string? Lock);              // for LockLoop: which lock

public enum CpuActivity
{
    Idle,         // HLT with interrupts on: wakes for IPIs and NMIs
    Spin,         // a busy loop (IrqsOff: a hard lockup), optionally holding locks
    PrintkLoop,   // printk a line every PeriodNs (takes logbuf_lock with interrupts off)
    LockLoop,     // take Lock (spin_lock_irqsave), hold HoldNs, release, wait PeriodNs
    Timekeeping,  // the timer tick: write_seqlock(xtime_lock) for HoldNs every PeriodNs
    InNmi,        // stuck inside an NMI handler: further NMIs are blocked
}

/// <summary>An event injected at a virtual time, or at a time the strategy picks in [AtNs, AtMaxNs].</summary>
public sealed record TriggerSpec(
    long AtNs,
    TriggerKind Kind,
    int Cpu,                    // -1 where the trigger is not about one CPU
    string Message,             // panic message, for Panic / NmiWatchdog
    IReadOnlyList<string> Holding, // for Wedge: locks the CPU is holding when it wedges
    long? AtMaxNs = null)       // `at = [min, max]`: a timing choice of the run; null: exactly AtNs
{
    /// <summary>The latest time the trigger may fire (AtNs when it is not a range).</summary>
    public long AtLatestNs => AtMaxNs ?? AtNs;
}

public enum TriggerKind
{
    Panic,              // panic(msg) from process context on Cpu
    NmiWatchdog,        // the NMI watchdog's hard-lockup panic on Cpu, from NMI context
    Wedge,              // Cpu disables interrupts and spins forever, holding Holding
    CorruptCrashKernel, // a stray write lands in the reserved crash-kernel region
    Oops,               // die(msg) on Cpu in an ordinary task: oops_end(), kmsg_dump(OOPS), panic() if oops=panic
    SysrqReboot,        // sysrq-b on Cpu: emergency_restart()
    StrayWrite,         // code running on Cpu stores through a corrupted pointer into the crash-kernel region
    OopsInIrq,          // die(msg) in hard interrupt context: kexec_should_crash() through in_interrupt(), then "Fatal exception in interrupt"
    OopsInNmi,          // die(msg) in an NMI handler: the same, with NMIs blocked
    UnknownNmi,         // a platform NMI with no known reason: unknown_nmi_error(); panics with unknown_nmi_panic
    IoCheckNmi,         // an IO-check NMI: io_check_error(); panics with kernel.panic_on_io_nmi
    SysrqCrash,         // sysrq-c on Cpu: panic("sysrq triggered crash") (≥5.0), a forced NULL-dereference oops before
    SoftLockup,         // the soft-lockup detector reports Cpu (watchdog_timer_fn); panics with softlockup_panic
    HungTask,           // khungtaskd on Cpu reports a task blocked in D state; panics with hung_task_panic
    Warn,               // WARN() on Cpu: __warn(); panics with panic_on_warn
    Reboot,             // orderly reboot (reboot(2), `reboot -f`) on Cpu: kernel_restart(), kmsg_dump(RESTART / SHUTDOWN)
    Halt,               // orderly halt: kernel_halt(), kmsg_dump(HALT / SHUTDOWN)
    Poweroff,           // orderly power-off: kernel_power_off(), kmsg_dump(POWEROFF / SHUTDOWN)
}

/// <summary>Latencies and costs of the emulated hardware and kernel (defaults in akka.hocon).</summary>
public sealed record TimingSpec(
    long IpiLatencyMinNs, long IpiLatencyMaxNs,
    long NmiLatencyMinNs, long NmiLatencyMaxNs,
    long DeviceLatencyMinNs, long DeviceLatencyMaxNs,
    long ConsoleNsPerChar,      // serial console: about 87 µs a character at 115200 baud
    long StepNs,                // cost of one ordinary kernel step (a few hundred instructions)
    long StopThisCpuNs);        // stop_this_cpu until HLT

/// <summary>Every run ends: by virtual time or by steps, whichever comes first ("hung").</summary>
public sealed record LimitsSpec(long VirtualTimeNs, long MaxSteps);
