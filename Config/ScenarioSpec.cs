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
    LimitsSpec Limits);

/// <summary>The emulated machine's hardware.</summary>
public sealed record MachineSpec(
    int CpuCount,
    KdumpSpec Kdump,
    NvramSpec Nvram,
    IReadOnlyList<DumperSpec> Dumpers,
    WatchdogSpec Watchdog,
    int TimekeeperCpu);         // the CPU whose timer tick updates xtime under xtime_lock

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
    int ChunkBytes);            // bytes stored per emulated step: a reset can tear a record between chunks

/// <summary>One registered kmsg dumper. Issue-2 ships the 2.6.38 ramoops driver.</summary>
public sealed record DumperSpec(
    string Type,                // "ramoops"
    long RecordSize,            // ramoops.record_size
    long MemSize,               // ramoops.mem_size
    bool DumpOops);             // ramoops.dump_oops

/// <summary>A hardware watchdog (iTCO, BMC) that keeps counting during the panic.</summary>
public sealed record WatchdogSpec(
    bool Enabled,
    long TimeoutNs,             // expires this long after the last ping
    long LastPingNs);           // virtual time of the last ping before the scenario's triggers (≤ 0)

/// <summary>The kernel command line as the user wrote it, and what the emulated kernel parsed from it.</summary>
public sealed record KernelCmdline(
    string Raw,
    int PanicTimeoutSeconds,    // panic=N (0 = never reboot)
    bool OopsPanic,             // oops=panic
    string? CrashKernel,        // crashkernel=... (null = no region reserved)
    string NmiWatchdog);        // nmi_watchdog=0|1|panic|nopanic ("1" when absent: the 2.6.38 hard-lockup detector is on, but only warns)

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

/// <summary>An event injected at a virtual time.</summary>
public sealed record TriggerSpec(
    long AtNs,
    TriggerKind Kind,
    int Cpu,                    // -1 where the trigger is not about one CPU
    string Message,             // panic message, for Panic / NmiWatchdog
    IReadOnlyList<string> Holding); // for Wedge: locks the CPU is holding when it wedges

public enum TriggerKind
{
    Panic,              // panic(msg) from process context on Cpu
    NmiWatchdog,        // the NMI watchdog's hard-lockup panic on Cpu, from NMI context
    Wedge,              // Cpu disables interrupts and spins forever, holding Holding
    CorruptCrashKernel, // a stray write lands in the reserved crash-kernel region
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
