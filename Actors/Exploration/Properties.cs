using ActorCrash.Actors.Kernel;
using ActorCrash.Config;
using ActorCrash.Hardware;

namespace ActorCrash.Actors.Exploration;

/// <summary>
/// What a property sees of a finished run: the verdict and the machine's end state, read cheaply;
/// the dumpers' read-back is computed only when a property asks for it: <see cref="NvramVerdicts"/>
/// (names, states and byte counts, without building any record's text: what the built-in properties
/// read, on every run of a campaign) or <see cref="Nvram"/> (the full records).
/// </summary>
public sealed class RunView(Machine machine, RunSummary summary)
{
    private IReadOnlyList<NvramRecord>? _nvram;
    private List<RecordVerdict>? _verdicts;

    public Machine Machine { get; } = machine;
    public RunSummary Summary { get; } = summary;
    public IReadOnlyList<Milestone> Milestones => Machine.Kernel.Milestones;
    // Stryker disable once Assignment : a cache; the dumpers' read-back is a pure read of the end state, so reading it again gives the same records
    public IReadOnlyList<NvramRecord> Nvram => _nvram ??= [.. Machine.Kernel.DumpList.SelectMany(d => d.ReadBack())];

    /// <summary><see cref="Nvram"/> as <see cref="RecordVerdict"/>s (the same records, in the same order), read without their text.</summary>
    public IReadOnlyList<RecordVerdict> NvramVerdicts
    {
        get
        {
            if (_verdicts is not null) return _verdicts;
            var verdicts = new List<RecordVerdict>();
            foreach (var d in Machine.Kernel.DumpList) d.ReadBackVerdicts(verdicts);
            return _verdicts = verdicts;
        }
    }

    /// <summary>Virtual time of the first "panic: …" milestone, or -1.</summary>
    public long FirstPanicNs
    {
        get
        {
            foreach (var m in Milestones)
                if (m.What.StartsWith("panic: ", StringComparison.Ordinal)) return m.TimeNs;
            return -1;
        }
    }
}

/// <summary>
/// A property: a small passive monitor of a run. It reads the end state and the milestones the run
/// recorded, never changes the machine, and on a violation returns a message naming itself and the
/// values that break it; null when it holds.
/// </summary>
public abstract class Property(string name)
{
    public string Name { get; } = name;

    public abstract string? Check(RunView run);

    protected string Violated(string values) => $"{Name} violated: {values}";
}

/// <summary>The built-in properties, by the name a scenario's <c>properties</c> uses.</summary>
public static class Properties
{
    /// <summary>ε of reboot-in-time: smp_send_stop's 1 s wait plus the kdump shootdown's 1000 ms.</summary>
    public const long RebootSlackNs = 2 * VirtualTime.Second;

    public static Property ByName(string name) => name switch
    {
        PropertyNames.NoHang => new Monitor(name, r => r.Summary.Outcome == Outcome.Hung ? $"the machine hung: {r.Summary.Reason}" : null),
        PropertyNames.Vmcore => new Monitor(name, r => r.Summary.Outcome == Outcome.VmcoreCaptured ? null : $"no vmcore; outcome {r.Summary.Outcome}: {r.Summary.Reason}"),
        PropertyNames.LogSaved => new Monitor(name, LogSaved),
        PropertyNames.RebootInTime => new Monitor(name, RebootInTime),
        PropertyNames.SingleKexecOrRestart => new Monitor(name, SingleKexecOrRestart),
        PropertyNames.CrashKernelIntact => new Monitor(name, r => r.Machine.CrashKernelActor.PurgatoryLooping
            ? $"machine_kexec on cpu{r.Machine.CrashKernelActor.KexecCpu} jumped into a crash-kernel region whose digest no longer matches" : null),
        PropertyNames.NvramNotTorn => new Monitor(name, NvramNotTorn),
        PropertyNames.NoLockHeldByStopped => new Monitor(name, NoLockHeldByStopped),
        PropertyNames.OthersStopped => new Monitor(name, OthersStopped),
        _ when name.StartsWith(PropertyNames.BeforePrefix, StringComparison.Ordinal) && name.Contains(PropertyNames.BeforeSeparator, StringComparison.Ordinal) =>
            Before(name, name[PropertyNames.BeforePrefix.Length..].Split(PropertyNames.BeforeSeparator, 2)),
        _ when name.StartsWith(PropertyNames.EventuallyPrefix, StringComparison.Ordinal) =>
            Eventually(name, name[PropertyNames.EventuallyPrefix.Length..]),
        _ => throw new ArgumentException($"unknown property \"{name}\"; known: {string.Join(", ", PropertyNames.All)}, before: A -> B, eventually: A"),
    };

    public static IReadOnlyList<Property> For(IEnumerable<string> names) => [.. names.Select(ByName)];

    private sealed class Monitor(string name, Func<RunView, string?> check) : Property(name)
    {
        public override string? Check(RunView run) => check(run) is { } values ? Violated(values) : null;
    }

    private static Monitor Before(string name, string[] pair) => new(name, r =>
    {
        var (first, then) = (pair[0], pair[1]);
        var seenFirst = false;
        foreach (var m in r.Milestones)
        {
            if (m.What.StartsWith(first, StringComparison.Ordinal)) seenFirst = true;
            else if (m.What.StartsWith(then, StringComparison.Ordinal) && !seenFirst)
                return $"\"{m.What}\" at {VirtualTime.Format(m.TimeNs)} on cpu{m.Cpu} before any \"{first}\"";
        }
        return null;
    });

    private static Monitor Eventually(string name, string what) => new(name, r =>
        r.Milestones.Any(m => m.What.StartsWith(what, StringComparison.Ordinal))
            ? null
            : $"no milestone \"{what}\" by the end ({r.Summary.Outcome} at {VirtualTime.Format(r.Summary.EndTimeNs)})");

    private static string? LogSaved(RunView r)
    {
        if (r.Machine.Kernel.DumpList.Count == 0) return "no kmsg dumper is registered";
        var dumps = 0;
        foreach (var rec in r.NvramVerdicts)
        {
            if (!IsKernelLogDump(rec)) continue;
            if (rec.State is RecordState.Intact or RecordState.EccCorrected) return null;
            dumps++;
        }
        return dumps == 0 ? "no dump of the kernel log was written" : $"{dumps} dump record(s), none intact";
    }

    /// <summary>A kmsg dump of this run (not a pstore console or pmsg zone, not an earlier boot's record).</summary>
    private static bool IsKernelLogDump(RecordVerdict rec) =>
        rec.State != RecordState.Old && !rec.Name.StartsWith("console-", StringComparison.Ordinal) && !rec.Name.StartsWith("pmsg-", StringComparison.Ordinal);

    private static string? NvramNotTorn(RunView r)
    {
        foreach (var rec in r.NvramVerdicts)
            if (rec.State is RecordState.Torn or RecordState.Corrupt or RecordState.Uncorrectable)
                return $"{rec.Name} {rec.State.ToString().ToLowerInvariant()}: {rec.StoredBytes} of {rec.IntendedBytes} bytes as meant";
        return null;
    }

    private static string? RebootInTime(RunView r)
    {
        var timeout = r.Machine.Kernel.PanicTimeout;
        if (timeout <= 0) return null;  // panic=0 asks for no reboot
        var panic = r.FirstPanicNs;
        if (panic < 0) return null;
        var deadline = panic + timeout * VirtualTime.Second + RebootSlackNs;
        var s = r.Summary;
        var done = s.Outcome is Outcome.Rebooted || (s.Outcome == Outcome.VmcoreCaptured);
        if (!done) return $"panic at {VirtualTime.Format(panic)}, panic={timeout}, no reset by the end ({s.Outcome}: {s.Reason})";
        // A vmcore means the crash kernel took over; its own reboot is not this kernel's business.
        if (s.Outcome == Outcome.Rebooted && s.EndTimeNs > deadline)
            return $"reset at {VirtualTime.Format(s.EndTimeNs)}, after the deadline {VirtualTime.Format(deadline)} (panic at {VirtualTime.Format(panic)} + {timeout} s + 2 s)";
        return null;
    }

    private static string? SingleKexecOrRestart(RunView r)
    {
        var first = -1;
        foreach (var m in r.Milestones)
        {
            if (!m.What.StartsWith("machine_kexec", StringComparison.Ordinal) && !m.What.StartsWith("machine_emergency_restart", StringComparison.Ordinal)) continue;
            if (first < 0) first = m.Cpu;
            else if (m.Cpu != first) return $"cpu{first} and cpu{m.Cpu} both reached machine_kexec/machine_emergency_restart";
        }
        return null;
    }

    private static string? NoLockHeldByStopped(RunView r)
    {
        var cpus = r.Machine.Cpus;
        foreach (var l in r.Machine.Kernel.Locks)
        {
            if (!l.IsHeld) continue;
            var holder = cpus[l.Holder].Fate;
            if (holder is not (CpuFate.StoppedByIpi or CpuFate.StoppedByNmi or CpuFate.Wedged)) continue;
            foreach (var w in l.Waiters)
                if (cpus[w].Fate == CpuFate.Panicking)
                    return $"panicking cpu{w} spins on {l.Name}, held by cpu{l.Holder} ({holder})";
        }
        return null;
    }

    /// <summary>
    /// Every CPU but the one that carried the panic through ends stopped: by the stop IPI, the NMI, or
    /// its own panic_smp_self_stop. One left running, idle or wedged could still print, scribble or
    /// panic again (K5); two still in panic() stopped each other or raced (K1).
    /// </summary>
    private static string? OthersStopped(RunView r)
    {
        var cpus = r.Machine.Cpus;
        if (!cpus.Any(c => c.Fate is CpuFate.Panicking or CpuFate.PanicLoop or CpuFate.InCrashKernel or CpuFate.SelfStopped or CpuFate.StoppedByIpi or CpuFate.StoppedByNmi))
            return null;  // nothing panicked: nothing to stop
        var carrying = cpus.Where(c => c.Fate is CpuFate.Panicking or CpuFate.PanicLoop or CpuFate.InCrashKernel).ToArray();
        if (carrying.Length > 1)
            return $"{carrying.Length} CPUs are still in the panic path: {string.Join(", ", carrying.Select(c => $"cpu{c.Id} ({c.Fate})"))}";
        var running = cpus.Where(c => c.Fate is not (CpuFate.StoppedByIpi or CpuFate.StoppedByNmi or CpuFate.SelfStopped) && !carrying.Contains(c)).ToArray();
        return running.Length == 0 ? null : $"not stopped at the end: {string.Join(", ", running.Select(c => $"cpu{c.Id} ({c.Fate}: {c.Doing})"))}";
    }
}
