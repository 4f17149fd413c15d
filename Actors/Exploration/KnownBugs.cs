using ActorCrash.Actors.Kernel;

namespace ActorCrash.Actors.Exploration;

/// <summary>
/// A known bug of the panic path, as a signature on a finished run: <see cref="Matches"/> reads the
/// end state and milestones (never changes anything). <see cref="Reference"/> is the domain
/// reference's entry (§3 K1–K8 of linux-panic-path.md); <see cref="Name"/> is the stable key the
/// coverage JSON uses.
/// </summary>
public sealed record KnownBug(string Name, string Reference, string Description, Func<RunView, bool> Matches);

/// <summary>
/// The known-bug signatures coverage looks for, in a fixed order. Each is the symptom as the
/// emulator shows it at the stop, so a signature can match under any design; the tests pin each to
/// its shipped scenario under the design that had the bug (docs/coverage.md lists them).
/// </summary>
public static class KnownBugs
{
    public static IReadOnlyList<KnownBug> All { get; } =
    [
        new("stop-ipi-mutual-halt", "K1",
            "two or more CPUs entered panic() and every one of them ended stopped: each one's stop IPI (or NMI) halted the other, nobody carried the panic through",
            StopIpiMutualHalt),
        new("logbuf-lock-wedge", "K2",
            "a panicking CPU spins on logbuf_lock, held by a CPU that was stopped or is wedged with interrupts off",
            r => PanickingSpinsOn(r, l => l.Name == "logbuf_lock")),
        new("lock-held-by-halted-cpu", "K2",
            "a panicking CPU spins on (or retries a read of) another kernel lock held by a stopped or wedged CPU (xtime_lock, console_sem, a dumper's lock)",
            r => PanickingSpinsOn(r, l => l.Name != "logbuf_lock")),
        new("dumper-hang", "K3/K4",
            "the machine hung with a panicking CPU inside kmsg_dump(): a dumper never returned",
            r => r.Summary.Outcome == Outcome.Hung && PanickingIn(r, "kmsg_dump")),
        new("dumper-blocks-kdump", "K3",
            "a crash kernel was loaded but no vmcore: the panicking CPU is stuck in kmsg_dump() and never reached machine_kexec",
            r => r.Machine.Spec.Machine.Kdump.Loaded && r.Summary.Outcome != Outcome.VmcoreCaptured && PanickingIn(r, "kmsg_dump")
                 && !r.Milestones.Any(m => m.What.StartsWith("machine_kexec", StringComparison.Ordinal))),
        new("dumper-blocks-reboot", "K4",
            "panic=N asked for a reboot, none came: the panicking CPU is stuck in emergency_restart()'s kmsg_dump(KMSG_DUMP_EMERG)",
            r => r.Machine.Kernel.PanicTimeout > 0 && r.Summary.Outcome is not (Outcome.Rebooted or Outcome.VmcoreCaptured)
                 && PanickingIn(r, "kmsg_dump") && PanickingIn(r, "emergency_restart")),
        new("cpu-ignores-stop", "K5",
            "the stop path gave up on a CPU (interrupts off, or stuck in an NMI handler): smp_send_stop or nmi_shootdown_cpus went on with it still running",
            CpuIgnoresStop),
        new("crash-kernel-scribbled", "K6",
            "machine_kexec jumped into a crash-kernel region whose digest no longer matched: purgatory loops forever",
            r => r.Machine.CrashKernelActor.PurgatoryLooping),
        new("reset-mid-dump", "K7",
            "the machine was reset while the crash kernel ran, or by a CPU other than the one that panicked first",
            ResetMidDump),
        new("torn-nvram-record", "K8",
            "a dump record reads back torn, corrupt or uncorrectable after the reset",
            r => r.Nvram.Any(rec => rec.State is RecordState.Torn or RecordState.Corrupt or RecordState.Uncorrectable)),
    ];

    private static bool IsHalted(CpuFate f) => f is CpuFate.StoppedByIpi or CpuFate.StoppedByNmi or CpuFate.Wedged;

    private static bool PanickingSpinsOn(RunView r, Func<KernelLock, bool> which)
    {
        var cpus = r.Machine.Cpus;
        foreach (var l in r.Machine.Kernel.Locks)
        {
            if (!l.IsHeld || !which(l) || !IsHalted(cpus[l.Holder].Fate)) continue;
            foreach (var w in l.Waiters)
                if (w != l.Holder && cpus[w].Fate == CpuFate.Panicking) return true;
        }
        return false;
    }

    /// <summary>A CPU still in panic() has <paramref name="function"/> on its stack at the stop.</summary>
    private static bool PanickingIn(RunView r, string function)
    {
        foreach (var c in r.Machine.Cpus)
        {
            if (c.Fate != CpuFate.Panicking) continue;
            foreach (var name in c.Backtrace().Split(" < "))
                if (name == function) return true;
        }
        return false;
    }

    private static bool StopIpiMutualHalt(RunView r)
    {
        var panicked = new SortedSet<int>();
        foreach (var m in r.Milestones)
            if (m.Cpu >= 0 && m.What.StartsWith("panic: ", StringComparison.Ordinal)) panicked.Add(m.Cpu);
        if (panicked.Count < 2) return false;
        var cpus = r.Machine.Cpus;
        return panicked.All(c => cpus[c].Fate is CpuFate.StoppedByIpi or CpuFate.StoppedByNmi);
    }

    private static bool CpuIgnoresStop(RunView r)
    {
        foreach (var m in r.Milestones)
        {
            var w = m.What;
            if (w.StartsWith("smp_send_stop: ", StringComparison.Ordinal)
                && ((w.Contains("still online after 1 s", StringComparison.Ordinal) && !w.EndsWith("; NMI", StringComparison.Ordinal))
                    || w.Contains("not stopped", StringComparison.Ordinal)))
                return true;
            if (w.StartsWith("nmi_shootdown_cpus: ", StringComparison.Ordinal) && w.Contains("did not answer", StringComparison.Ordinal)) return true;
        }
        return false;
    }

    private static bool ResetMidDump(RunView r)
    {
        if (r.Summary.Outcome != Outcome.Rebooted) return false;
        if (r.Machine.CrashKernelActor.Kexeced || r.Machine.CrashKernelActor.Booted) return true;  // reset during the crash kernel's boot or capture
        var first = -1;
        foreach (var m in r.Milestones)
            if (m.Cpu >= 0 && m.What.StartsWith("panic: ", StringComparison.Ordinal))
            {
                first = m.Cpu;
                break;
            }
        if (first < 0) return false;
        foreach (var m in r.Milestones)
            if (m.What == "machine_emergency_restart" && m.Cpu >= 0 && m.Cpu != first) return true;
        return false;
    }
}
