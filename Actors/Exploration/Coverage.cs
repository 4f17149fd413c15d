using ActorCrash.Actors.Tracing;

namespace ActorCrash.Actors.Exploration;

/// <summary>
/// What a campaign reached, per design: the kernel functions its CPUs entered (the panic path's
/// steps as the designs name them, <c>crash_kexec</c>, <c>kmsg_dump</c>, <c>native_stop_other_cpus</c>, …),
/// the CPU states at the stop, the (lock, holder state) pairs still held at the stop, the outcomes,
/// and the known-bug signatures (<see cref="KnownBugs"/>) it hit, each with the first run that did.
/// A mergeable accumulator: <see cref="Add"/> one run, <see cref="Merge"/> another's; every count is a
/// sum and every "first run" a minimum, so merging per-core parts in any order gives the same
/// result as one core, and the result is a pure function of the runs (sorted keys, no clock).
/// </summary>
public sealed class Coverage
{
    private readonly SortedDictionary<string, DesignCoverage> _designs = new(StringComparer.Ordinal);

    /// <summary>Per design name, in ordinal order.</summary>
    public IReadOnlyDictionary<string, DesignCoverage> Designs => _designs;

    public long Runs { get; private set; }

    /// <summary>
    /// Lets <see cref="Add"/> see which kernel functions <paramref name="machine"/>'s runs enter: attaches
    /// a recorder that keeps only their names (unless the machine already has an observer).
    /// </summary>
    public static void Watch(Machine machine) => machine.Runtime.Observer ??= new RunRecording(recordEvents: false);

    /// <summary>Adds run number <paramref name="run"/> (its index in the campaign) as <paramref name="view"/> shows it.</summary>
    public void Add(RunView view, long run)
    {
        var design = view.Machine.Design.Name;
        if (!_designs.TryGetValue(design, out var d)) _designs[design] = d = new DesignCoverage();
        Runs++;
        d.Runs++;
        var seed = view.Summary.Seed;
        Count(d.Outcomes, Json(view.Summary.Outcome.ToString()), run, seed);
        if (view.Machine.Runtime.Observer is RunRecording rec)
            foreach (var f in rec.Functions) Count(d.Functions, f, run, seed);
        var fates = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var c in view.Machine.Cpus)
        {
            var fate = Json(c.Fate.ToString());
            d.CpuStateCpus[fate] = d.CpuStateCpus.GetValueOrDefault(fate) + 1;
            fates.Add(fate);
        }
        foreach (var fate in fates) Count(d.CpuStates, fate, run, seed);
        var pairs = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var l in view.Machine.Kernel.Locks)
            if (l.IsHeld) pairs.Add($"{l.Name}|{Json(view.Machine.Cpus[l.Holder].Fate.ToString())}");
        foreach (var p in pairs) Count(d.LockHolders, p, run, seed);
        foreach (var bug in KnownBugs.All)
            if (bug.Matches(view)) Count(d.Bugs, bug.Name, run, seed);
    }

    /// <summary>Adds every run <paramref name="other"/> counted (runs of another core or process).</summary>
    public void Merge(Coverage other)
    {
        Runs += other.Runs;
        foreach (var (name, o) in other._designs)
        {
            if (!_designs.TryGetValue(name, out var d)) _designs[name] = d = new DesignCoverage();
            d.Runs += o.Runs;
            MergeInto(d.Outcomes, o.Outcomes);
            MergeInto(d.Functions, o.Functions);
            MergeInto(d.CpuStates, o.CpuStates);
            MergeInto(d.LockHolders, o.LockHolders);
            MergeInto(d.Bugs, o.Bugs);
            foreach (var (k, v) in o.CpuStateCpus) d.CpuStateCpus[k] = d.CpuStateCpus.GetValueOrDefault(k) + v;
        }
    }

    /// <summary>snake_case of an enum name, as the JSON outputs spell enums: StoppedByIpi → stopped_by_ipi.</summary>
    private static string Json(string name) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(name);

    private static void Count(SortedDictionary<string, Hits> into, string key, long run, ulong seed) =>
        into[key] = into.TryGetValue(key, out var h) ? h.Plus(new Hits(1, run, seed)) : new Hits(1, run, seed);

    private static void MergeInto(SortedDictionary<string, Hits> into, SortedDictionary<string, Hits> from)
    {
        foreach (var (k, h) in from) into[k] = into.TryGetValue(k, out var mine) ? mine.Plus(h) : h;
    }
}

/// <summary>How many runs hit something, and the first of them (lowest run index) with its seed, to replay it.</summary>
public readonly record struct Hits(long Runs, long FirstRun, ulong FirstSeed)
{
    public Hits Plus(Hits other) => other.FirstRun < FirstRun
        ? new Hits(Runs + other.Runs, other.FirstRun, other.FirstSeed)
        : new Hits(Runs + other.Runs, FirstRun, FirstSeed);
}

/// <summary>One design's part of <see cref="Coverage"/>; keys in ordinal order.</summary>
public sealed class DesignCoverage
{
    public long Runs { get; internal set; }
    /// <summary>Kernel functions entered by any CPU → runs that entered them.</summary>
    public SortedDictionary<string, Hits> Functions { get; } = new(StringComparer.Ordinal);
    /// <summary>CPU state at the stop (snake_case <see cref="CpuFate"/>) → runs with at least one CPU in it.</summary>
    public SortedDictionary<string, Hits> CpuStates { get; } = new(StringComparer.Ordinal);
    /// <summary>CPU state at the stop → CPUs in it, summed over runs.</summary>
    public SortedDictionary<string, long> CpuStateCpus { get; } = new(StringComparer.Ordinal);
    /// <summary>"lock|holder_state" of a lock still held at the stop → runs.</summary>
    public SortedDictionary<string, Hits> LockHolders { get; } = new(StringComparer.Ordinal);
    /// <summary>Outcome (snake_case) → runs.</summary>
    public SortedDictionary<string, Hits> Outcomes { get; } = new(StringComparer.Ordinal);
    /// <summary>Known-bug signature name (<see cref="KnownBugs"/>) → runs that hit it.</summary>
    public SortedDictionary<string, Hits> Bugs { get; } = new(StringComparer.Ordinal);
}
