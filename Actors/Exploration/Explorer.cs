using ActorCrash.Actors.Runtime;
using ActorCrash.Config;

namespace ActorCrash.Actors.Exploration;

/// <summary>What `explore` knows after some runs.</summary>
public sealed class ExploreReport
{
    public long Runs { get; internal set; }
    public int DistinctOutcomes => Outcomes.Count;
    public HashSet<(Outcome, string)> Outcomes { get; } = [];
    public SortedDictionary<string, long> ViolationsByProperty { get; } = new(StringComparer.Ordinal);
    public List<Violation> Violations { get; } = [];
    /// <summary>Determinism self-check failures: runs whose replay gave another trace (an emulator bug).</summary>
    public List<string> NonDeterministic { get; } = [];
    /// <summary>Exhaustive search only: every schedule of the discretised space was run.</summary>
    public bool Complete { get; internal set; }
    public long DeterminismChecks { get; internal set; }
    /// <summary>Called with each violation as it is kept, so the caller can save it at once (a kill then loses nothing).</summary>
    public Action<Violation>? OnViolation { get; init; }
    /// <summary>When set, every run is added to it (`explore --coverage`); runs are added in index order.</summary>
    public Coverage? Coverage { get; init; }
}

/// <summary>
/// The explore loop: one machine, run over and over under a strategy, each run checked against the
/// scenario's properties (or those given). Runs on the caller's thread and reads no clock: the
/// caller decides when to stop (<c>keepRunning</c>), so a budget in wall time lives in the CLI.
/// Run i uses seed <c>seed + i</c>; a violation keeps the run's decision list.
/// </summary>
public sealed class Explorer : IDisposable
{
    /// <summary>Violations kept with their decisions and trace hash (later ones are only counted).</summary>
    public const int MaxKept = 20;

    private readonly Machine _machine;
    private Machine? _checker;

    /// <param name="system">Where the machines' device actors live (a TestKit's system); default the process's shared one.</param>
    /// <param name="options">PCT's depth, exhaustive search's partial-order reduction (default: d = 3, reduction on).</param>
    public Explorer(ScenarioSpec spec, string strategy, IReadOnlyList<Property>? properties = null, string? scenarioSha256 = null,
        global::Akka.Actor.ActorSystem? system = null, StrategyOptions? options = null)
    {
        _system = system;
        Spec = spec;
        StrategyName = strategy;
        Strategy = Strategies.Create(strategy, options);
        Properties = properties ?? Exploration.Properties.For(spec.Properties);
        ScenarioSha256 = scenarioSha256;
        _machine = NewMachine(spec);
        Strategies.Calibrate(Strategy, _machine);  // PCT's k: one fixed run of the scenario, the same in every explorer
    }

    private readonly global::Akka.Actor.ActorSystem? _system;

    private Machine NewMachine(ScenarioSpec spec) => _system is null ? new Machine(spec) : new Machine(spec, _system);

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
    /// Runs until <paramref name="keepRunning"/>(runs so far) says stop, the exhaustive space is done,
    /// or (unless <paramref name="keepGoing"/>) the first violation. Every
    /// <paramref name="determinismEvery"/>-th run (0: never) is replayed on a second machine and the
    /// traces compared.
    /// </summary>
    public ExploreReport Explore(ulong seed, Func<long, bool> keepRunning, bool keepGoing = false, int determinismEvery = 0,
        ExploreReport? report = null)
    {
        report ??= new ExploreReport();
        var exhaustive = Strategy as ExhaustiveStrategy;
        if (report.Coverage is not null) Coverage.Watch(_machine);
        while (keepRunning(report.Runs))
        {
            var run = report.Runs;
            var runSeed = seed + (ulong)run;
            var summary = _machine.Run(runSeed, Strategy);
            report.Runs++;
            report.Outcomes.Add((summary.Outcome, summary.Reason));
            report.Coverage?.Add(new RunView(_machine, summary), run);

            var found = false;
            if (Properties.Count > 0)
            {
                var view = new RunView(_machine, summary);
                foreach (var p in Properties)
                {
                    if (p.Check(view) is not { } message) continue;
                    report.ViolationsByProperty[p.Name] = report.ViolationsByProperty.GetValueOrDefault(p.Name) + 1;
                    if (!found && report.Violations.Count < MaxKept)
                    {
                        var v = Record(runSeed, run, p.Name, message);
                        report.Violations.Add(v);
                        report.OnViolation?.Invoke(v);
                    }
                    found = true;
                }
            }
            if (determinismEvery > 0 && run % determinismEvery == 0) CheckDeterminism(runSeed, report);
            if (exhaustive is not null && !exhaustive.Advance())
            {
                report.Complete = true;
                break;
            }
            if (found && !keepGoing) break;
        }
        return report;
    }

    private Violation Record(ulong seed, long run, string property, string message)
    {
        var decisions = _machine.Runtime.Decisions.ToArray();
        var (trace, lines) = Violation.TraceText(_machine);
        return new Violation(Spec.Source, ScenarioSha256, Spec.Design, Strategies.RunName(Strategy), seed, run, property, message,
            decisions, Violation.Sha256(trace), lines);
    }

    /// <summary>Replays the last run's decisions on a second machine; a different trace is an emulator bug.</summary>
    private void CheckDeterminism(ulong seed, ExploreReport report)
    {
        report.DeterminismChecks++;
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
            report.NonDeterministic.Add($"seed {seed} (strategy {Strategies.RunName(Strategy)}): the replay diverged: {e.Message}");
            return;
        }
        if (first != second)
            report.NonDeterministic.Add($"seed {seed} (strategy {Strategies.RunName(Strategy)}): the replay of its {decisions.Length} decisions gave another trace (sha256 {Violation.Sha256(first)[..12]} vs {Violation.Sha256(second)[..12]})");
    }
}
