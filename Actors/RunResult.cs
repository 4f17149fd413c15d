using ActorCrash.Actors.Kernel;

namespace ActorCrash.Actors;

/// <summary>How a run ended, from the machine's point of view.</summary>
public enum Outcome
{
    /// <summary>The crash kernel booted and saved /proc/vmcore.</summary>
    VmcoreCaptured,
    /// <summary>The machine was reset (emergency_restart, a hardware watchdog).</summary>
    Rebooted,
    /// <summary>The panic CPU reached panic's final loop as configured (panic_timeout ≤ 0 in 2.6.38).</summary>
    Halted,
    /// <summary>Anything else: stuck on a lock, in purgatory, in a dumper, or out of time or steps.</summary>
    Hung,
    /// <summary>No CPU panicked: an oops only killed a task, or the lockup detector only warned. The machine runs on.</summary>
    Survived,
}

/// <summary>The verdict of one run: what a campaign keeps of every run.</summary>
public sealed record RunSummary(ulong Seed, Outcome Outcome, string Reason, long EndTimeNs, long Steps);

/// <summary>A CPU at the end of a run.</summary>
public sealed record CpuReport(int Cpu, CpuFate Fate, bool Online, bool RegistersSaved, string Doing);

/// <summary>A lock still held at the end of a run.</summary>
public sealed record HeldLock(string Lock, int Cpu, string HolderFate);

/// <summary>One delivered message, printable.</summary>
public sealed record TraceLine(long TimeNs, string From, string To, string Message)
{
    public override string ToString() => $"{Hardware.VirtualTime.PrintkStamp(TimeNs)} {From} -> {To}: {Message}";
}

/// <summary>Everything a run tells: outcome, milestones, console, the pstore view after the reset (Nvram), CPUs, locks, trace.</summary>
public sealed record RunResult(
    string Scenario,
    string Design,
    ulong Seed,
    string Strategy,
    Outcome Outcome,
    string Reason,
    long EndTimeNs,
    long Steps,
    IReadOnlyList<Milestone> Milestones,
    IReadOnlyList<ConsoleLine> Console,
    IReadOnlyList<NvramRecord> Nvram,
    IReadOnlyList<CpuReport> Cpus,
    IReadOnlyList<HeldLock> LocksHeld,
    IReadOnlyList<long> Decisions,
    IReadOnlyList<TraceLine>? Trace,
    IReadOnlyList<StorageReport>? Storage = null,   // per dumper: bytes issued / landed / lost, what the next boot's driver logs
    IReadOnlyList<string>? NotModelled = null);     // kernel parameters of the cmdline accepted but not modelled (quiet, console=, root=, ...)
