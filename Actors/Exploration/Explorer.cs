using System.Text;
using ActorCrash.Actors.Runtime;
using ActorCrash.Config;

namespace ActorCrash.Actors.Exploration;

/// <summary>
/// How an exploration keeps what it finds: every violation with a signature not seen before is saved
/// (its first <see cref="PerSignature"/> runs), up to <see cref="MaxSaved"/> files in all; the rest are
/// counted per signature. Which ones are saved depends only on the run indices, never on the cores.
/// </summary>
public sealed record SavePolicy(int PerSignature = SavePolicy.DefaultPerSignature, int MaxSaved = SavePolicy.DefaultMaxSaved)
{
    public const int DefaultPerSignature = 1;
    public const int DefaultMaxSaved = 1000;

    public static SavePolicy Default { get; } = new();
}

/// <summary>
/// One kind of violation: its property, the run's outcome and the property's message with every number
/// replaced by <c>#</c> (so "cpu0 … 0.058830 s" and "cpu1 … 0.060001 s" are one kind). Count is the
/// violating runs of that kind; Saved how many of them were kept with their decisions.
/// </summary>
public sealed record SignatureCount(string Property, string Signature, long Count, long FirstRun, int Saved);

/// <summary>
/// What one stretch of consecutive runs found: the unit a worker sends back and the report merges in
/// run order. <see cref="Candidates"/> are the violations the worker recorded in full (the first runs
/// of each signature it saw); the report decides, in run order, which of them are kept.
/// </summary>
public sealed class ExploreTally
{
    public long First { get; init; }
    public long Runs { get; internal set; }
    public HashSet<(Outcome, string)> Outcomes { get; } = [];
    public SortedDictionary<string, long> ViolationsByProperty { get; } = new(StringComparer.Ordinal);
    /// <summary>Signature → (property, violating runs, first run), in the order first seen.</summary>
    internal Dictionary<string, (string Property, long Count, long FirstRun)> Signatures { get; } = new(StringComparer.Ordinal);
    internal List<(string Signature, Violation Violation)> Candidates { get; } = [];
    public List<string> NonDeterministic { get; } = [];
    public long DeterminismChecks { get; internal set; }
    /// <summary>The exhaustive space was done at the end of this stretch.</summary>
    public bool Complete { get; internal set; }
    /// <summary>The stretch ended at a violating run (explore without --keep-going stops there).</summary>
    public bool StoppedAtViolation { get; internal set; }
    /// <summary>Exhaustive search only: the deepest run so far, in choice points.</summary>
    public int MaxDepth { get; internal set; }
    /// <summary>Exhaustive search only: distinct schedules (decision lists) explored so far; re-runs not counted.</summary>
    public long ExhaustiveSchedules { get; internal set; }
    /// <summary>What this stretch's runs reached, when the job asks for coverage.</summary>
    public Coverage? Coverage { get; internal set; }
}

/// <summary>What `explore` knows after some runs: runs 0..Runs-1, whatever the cores that made them.</summary>
public sealed class ExploreReport
{
    private readonly Dictionary<string, SignatureState> _signatures = new(StringComparer.Ordinal);
    private readonly List<string> _signatureOrder = [];
    private long _runs;

    private sealed class SignatureState(string property, long firstRun)
    {
        public string Property { get; } = property;
        public long FirstRun { get; } = firstRun;
        public long Count;
        public int Saved;
    }

    public long Runs => Interlocked.Read(ref _runs);
    public int DistinctOutcomes => Outcomes.Count;
    public HashSet<(Outcome, string)> Outcomes { get; } = [];
    public SortedDictionary<string, long> ViolationsByProperty { get; } = new(StringComparer.Ordinal);
    /// <summary>The violations kept (saved), in run order.</summary>
    public List<Violation> Violations { get; } = [];
    /// <summary>Determinism self-check failures: runs whose replay gave another trace (an emulator bug).</summary>
    public List<string> NonDeterministic { get; } = [];
    /// <summary>Exhaustive search only: every schedule of the discretised space was run.</summary>
    public bool Complete { get; internal set; }
    public long DeterminismChecks { get; internal set; }
    /// <summary>Exhaustive search only: the deepest run, in choice points.</summary>
    public int MaxDepth { get; internal set; }
    /// <summary>Exhaustive search only: distinct schedules (decision lists) explored; re-runs not counted.</summary>
    public long ExhaustiveSchedules { get; internal set; }
    /// <summary>Called with each violation as it is kept, in run order, so the caller can save it at once (a kill then loses nothing).</summary>
    public Action<Violation>? OnViolation { get; init; }
    /// <summary>When set, every run is added to it (`explore --coverage`); runs are added in index order.</summary>
    public Coverage? Coverage { get; init; }
    public SavePolicy Save { get; init; } = SavePolicy.Default;
    /// <summary>Machines (cores) the runs were spread over.</summary>
    public int Cores { get; internal set; } = 1;

    /// <summary>Every violating run, kept or not.</summary>
    public long ViolatingRuns => ViolationsByProperty.Values.Sum();

    /// <summary>Each kind of violation, in the order first found.</summary>
    public IReadOnlyList<SignatureCount> Signatures
    {
        get
        {
            lock (_signatures)
                return [.. _signatureOrder.Select(s => (s, _signatures[s])).Select(x => new SignatureCount(x.Item2.Property, x.s, x.Item2.Count, x.Item2.FirstRun, x.Item2.Saved))];
        }
    }

    /// <summary>Violations per property so far, safe to read while another thread merges.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> ViolationCounts()
    {
        lock (_signatures) return [.. ViolationsByProperty];
    }

    /// <summary>
    /// Appends the next stretch of runs (it must start at <see cref="Runs"/>): counts, signatures, and
    /// the violations the <see cref="Save"/> policy keeps, each handed to <see cref="OnViolation"/>.
    /// </summary>
    public void Merge(ExploreTally t)
    {
        if (t.First != Runs) throw new InvalidOperationException($"runs merged out of order: {t.First} after {Runs}");
        lock (_signatures)
        {
            Interlocked.Add(ref _runs, t.Runs);
            Outcomes.UnionWith(t.Outcomes);
            foreach (var (p, n) in t.ViolationsByProperty) ViolationsByProperty[p] = ViolationsByProperty.GetValueOrDefault(p) + n;
            foreach (var (sig, (property, count, first)) in t.Signatures)
            {
                if (!_signatures.TryGetValue(sig, out var s))
                {
                    _signatures[sig] = s = new SignatureState(property, first);
                    _signatureOrder.Add(sig);
                }
                s.Count += count;
            }
            NonDeterministic.AddRange(t.NonDeterministic);
            DeterminismChecks += t.DeterminismChecks;
            Complete |= t.Complete;
            MaxDepth = Math.Max(MaxDepth, t.MaxDepth);
            ExhaustiveSchedules = Math.Max(ExhaustiveSchedules, t.ExhaustiveSchedules);
            if (t.Coverage is not null) Coverage?.Merge(t.Coverage);
        }
        foreach (var (sig, v) in t.Candidates)
        {
            var s = _signatures[sig];
            if (s.Saved >= Save.PerSignature || Violations.Count >= Save.MaxSaved) continue;
            lock (_signatures)
            {
                s.Saved++;
                Violations.Add(v);
            }
            OnViolation?.Invoke(v);
        }
    }
}

/// <summary>What to explore: the same on every worker. Run i uses seed <c>Seed + i</c>.</summary>
public sealed record ExploreJob(
    ScenarioSpec Spec, string Strategy, IReadOnlyList<Property> Properties, ulong Seed,
    bool KeepGoing = false, int DeterminismEvery = 0, string? ScenarioSha256 = null, SavePolicy? Save = null,
    StrategyOptions? Options = null, bool Coverage = false)
{
    public SavePolicy SavePolicy => Save ?? SavePolicy.Default;
}

/// <summary>
/// The explore loop on one machine: runs the scenario over and over under a strategy, checking each
/// run against the scenario's properties (or those given). One explorer is one worker: its own
/// machine, its own strategy, nothing shared; <see cref="ParallelExplorer"/> spreads stretches of run
/// indices over several. Run i uses seed <c>seed + i</c>, and a strategy's choices depend only on
/// (scenario, seed, i): calibration is one fixed run of the scenario (<see cref="Strategies.Calibrate"/>). Reads no
/// clock: the caller decides when to stop, so a budget in wall time lives in the CLI.
/// </summary>
public sealed class Explorer : IDisposable
{
    /// <summary>Runs merged into the report at a time by <see cref="Explore"/>.</summary>
    private const int Stretch = 256;

    private readonly Machine _machine;
    private Machine? _checker;
    private readonly global::Akka.Actor.ActorSystem? _system;
    private readonly global::Akka.Actor.IActorContext? _context;
    // How many violations of each signature this worker recorded in full: a worker records the first
    // PerSignature of each, a superset of the first PerSignature of each over all workers' runs.
    private readonly Dictionary<string, int> _recorded = new(StringComparer.Ordinal);
    private readonly StrategyOptions? _options;

    /// <param name="system">Where the machines' device actors live (a TestKit's system); default the process's shared one.</param>
    /// <param name="options">PCT's depth, exhaustive search's partial-order reduction (default: d = 3, reduction on).</param>
    public Explorer(ScenarioSpec spec, string strategy, IReadOnlyList<Property>? properties = null, string? scenarioSha256 = null,
        global::Akka.Actor.ActorSystem? system = null, StrategyOptions? options = null)
        : this(spec, strategy, properties, scenarioSha256, system, null, options) { }

    /// <summary>An explorer whose machines' devices are children of the actor owning <paramref name="context"/> (an explore worker).</summary>
    public Explorer(ExploreJob job, global::Akka.Actor.IActorContext context)
        : this(job.Spec, job.Strategy, job.Properties, job.ScenarioSha256, null, context, job.Options) { }

    private Explorer(ScenarioSpec spec, string strategy, IReadOnlyList<Property>? properties, string? scenarioSha256,
        global::Akka.Actor.ActorSystem? system, global::Akka.Actor.IActorContext? context, StrategyOptions? options)
    {
        _system = system;
        _context = context;
        _options = options;
        Spec = spec;
        StrategyName = strategy;
        Strategy = Strategies.Create(strategy, options);
        Properties = properties ?? Exploration.Properties.For(spec.Properties);
        ScenarioSha256 = scenarioSha256;
        _machine = NewMachine(spec);
        Strategies.Calibrate(Strategy, _machine);  // PCT's k: one fixed run of the scenario, the same in every explorer
    }

    private Machine NewMachine(ScenarioSpec spec) =>
        _context is not null ? new Machine(spec, _context) : _system is not null ? new Machine(spec, _system) : new Machine(spec);

    /// <summary>Stops the machines' device actors.</summary>
    public void Dispose()
    {
        _machine.Dispose();
        _checker?.Dispose();
    }

    public ScenarioSpec Spec { get; }
    public string StrategyName { get; }
    public ISchedulingStrategy Strategy { get; }
    public IReadOnlyList<Property> Properties { get; }
    public string? ScenarioSha256 { get; }
    public Machine Machine => _machine;

    /// <summary>
    /// Runs on the caller's thread until <paramref name="keepRunning"/>(runs so far) says stop, the
    /// exhaustive space is done, or (unless <paramref name="keepGoing"/>) the first violation. Every
    /// <paramref name="determinismEvery"/>-th run (0: never) is replayed on a second machine and the
    /// traces compared.
    /// </summary>
    public ExploreReport Explore(ulong seed, Func<long, bool> keepRunning, bool keepGoing = false, int determinismEvery = 0,
        ExploreReport? report = null)
    {
        report ??= new ExploreReport();
        var job = new ExploreJob(Spec, StrategyName, Properties, seed, keepGoing, determinismEvery, ScenarioSha256, report.Save,
            _options, report.Coverage is not null);
        while (true)
        {
            var first = report.Runs;
            var t = RunStretch(job, first, Stretch, keepRunning);
            report.Merge(t);
            if (t.Runs < Stretch || t.Complete || t.StoppedAtViolation) return report;
        }
    }

    /// <summary>
    /// Runs [first, first + count) — fewer if <paramref name="keepRunning"/>(run index) says stop, the
    /// exhaustive space ends, or (without KeepGoing) at the first violating run — and returns what they found.
    /// </summary>
    public ExploreTally RunStretch(ExploreJob job, long first, int count, Func<long, bool>? keepRunning = null)
    {
        var t = new ExploreTally { First = first };
        if (job.Coverage)
        {
            Coverage.Watch(_machine);
            t.Coverage = new Coverage();
        }
        var exhaustive = Strategy as ExhaustiveStrategy;
        if (exhaustive is { Complete: true })
        {
            t.Complete = true;
            t.MaxDepth = exhaustive.MaxDepth;
            t.ExhaustiveSchedules = exhaustive.Explored;
            return t;
        }
        for (var run = first; run < first + count && (keepRunning is null || keepRunning(run)); run++)
        {
            var found = RunOne(job, run, t);
            if (exhaustive is not null && !exhaustive.Advance())
            {
                t.Complete = true;
                break;
            }
            if (found && !job.KeepGoing)
            {
                t.StoppedAtViolation = true;
                break;
            }
        }
        t.MaxDepth = exhaustive?.MaxDepth ?? 0;
        t.ExhaustiveSchedules = exhaustive?.Explored ?? 0;
        return t;
    }

    /// <summary>Run <paramref name="run"/>: checked, counted, its violations recorded if new to this worker. True if one was violated.</summary>
    private bool RunOne(ExploreJob job, long run, ExploreTally t)
    {
        var runSeed = job.Seed + (ulong)run;
        var summary = _machine.Run(runSeed, Strategy);
        t.Runs++;
        t.Outcomes.Add((summary.Outcome, summary.Reason));

        var found = false;
        var view = new RunView(_machine, summary);
        t.Coverage?.Add(view, run);
        // An index loop: foreach over the IReadOnlyList would box its enumerator every run (40 bytes a run).
        for (var i = 0; i < Properties.Count; i++)
        {
            var p = Properties[i];
            if (p.Check(view) is not { } message) continue;
            found = true;
            t.ViolationsByProperty[p.Name] = t.ViolationsByProperty.GetValueOrDefault(p.Name) + 1;
            var signature = Signature(p.Name, summary.Outcome, message);
            t.Signatures[signature] = t.Signatures.TryGetValue(signature, out var s) ? (s.Property, s.Count + 1, s.FirstRun) : (p.Name, 1, run);
            var recorded = _recorded.GetValueOrDefault(signature);
            if (recorded >= job.SavePolicy.PerSignature) continue;
            _recorded[signature] = recorded + 1;
            t.Candidates.Add((signature, Record(runSeed, run, p.Name, message)));
        }
        if (job.DeterminismEvery > 0 && run % job.DeterminismEvery == 0) CheckDeterminism(runSeed, t);
        return found;
    }

    /// <summary>A violation's kind: property, outcome and the message with each run of digits replaced by '#'.</summary>
    public static string Signature(string property, Outcome outcome, string message)
    {
        var b = new StringBuilder(property.Length + message.Length + 16).Append(property).Append(" | ").Append(outcome).Append(" | ");
        for (var i = 0; i < message.Length; i++)
        {
            if (!char.IsAsciiDigit(message[i]))
            {
                b.Append(message[i]);
                continue;
            }
            b.Append('#');
            while (i + 1 < message.Length && char.IsAsciiDigit(message[i + 1])) i++;
        }
        return b.ToString();
    }

    private Violation Record(ulong seed, long run, string property, string message)
    {
        var decisions = _machine.Runtime.Decisions.ToArray();
        var (trace, lines) = Violation.TraceText(_machine);
        return new Violation(Spec.Source, ScenarioSha256, Spec.Design, Strategies.RunName(Strategy), seed, run, property, message,
            decisions, Violation.Sha256(trace), lines);
    }

    /// <summary>Replays the last run's decisions on a second machine; a different trace is an emulator bug.</summary>
    private void CheckDeterminism(ulong seed, ExploreTally t)
    {
        t.DeterminismChecks++;
        var decisions = _machine.Runtime.Decisions.ToArray();
        var (first, _) = Violation.TraceText(_machine);
        _checker ??= NewMachine(Spec);
        string second;
        try
        {
            _checker.Run(seed, new ReplayStrategy(decisions));
            (second, _) = Violation.TraceText(_checker);
        }
        catch (ReplayDivergedException e)
        {
            t.NonDeterministic.Add($"seed {seed} (strategy {Strategies.RunName(Strategy)}): the replay diverged: {e.Message}");
            return;
        }
        if (first != second)
            t.NonDeterministic.Add($"seed {seed} (strategy {Strategies.RunName(Strategy)}): the replay of its {decisions.Length} decisions gave another trace (sha256 {Violation.Sha256(first)[..12]} vs {Violation.Sha256(second)[..12]})");
    }
}
