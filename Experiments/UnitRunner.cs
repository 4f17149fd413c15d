using System.Security.Cryptography;
using System.Text;
using ActorCrash.Actors;
using ActorCrash.Actors.Exploration;
using ActorCrash.Config;
using ActorCrash.Config.Experiments;

namespace ActorCrash.Experiments;

/// <summary>
/// Runs work units: one <see cref="Machine"/> per (design, cell), built on first use and reused for
/// every later seed, and the hypothesis's probes evaluated on each run with the properties of
/// <c>Actors/Exploration</c>. Not thread-safe: each worker owns one. Disposing it stops the
/// machines' device actors.
/// </summary>
/// <param name="newMachine">Builds a machine (an actor passes one whose devices are its children); default: devices in the process's shared ActorSystem.</param>
public sealed class UnitRunner(Func<ScenarioSpec, Machine>? newMachine = null) : IDisposable
{
    private readonly Func<ScenarioSpec, Machine> _newMachine = newMachine ?? (spec => new Machine(spec));

    private static readonly Property LogSaved = Properties.ByName(PropertyNames.LogSaved);
    private static readonly Property RebootInTime = Properties.ByName(PropertyNames.RebootInTime);

    private readonly Dictionary<(string Digest, string Design, string Cell), CellRunner> _cells = [];
    private readonly Dictionary<(string TextSha, string Design), ExperimentSpec> _loaded = [];

    /// <summary>Machines this runner has built (one per design and cell it ran).</summary>
    public int MachinesBuilt { get; private set; }

    /// <summary>Runs a unit of an experiment already loaded.</summary>
    public IReadOnlyList<ResultRow> Run(ExperimentSpec experiment, WorkUnit unit)
    {
        if (unit.Digest != experiment.Digest)
            throw new ArgumentException($"unit {unit} belongs to experiment {unit.Digest[..12]}…, not to {experiment.Digest[..12]}…");
        var key = (unit.Digest, unit.Design, unit.Cell);
        if (!_cells.TryGetValue(key, out var cell))
        {
            _cells[key] = cell = new CellRunner(experiment, unit.Design, unit.Cell, _newMachine);
            MachinesBuilt++;
        }
        var rows = new ResultRow[unit.Count];
        for (var i = 0; i < unit.Count; i++) rows[i] = cell.Run(unit.FirstSeed + (ulong)i);
        return rows;
    }

    /// <summary>
    /// Runs a unit given only the experiment's text (what a remote worker receives): the experiment is
    /// loaded once per text and design, and its digest must be the unit's.
    /// </summary>
    /// <exception cref="ScenarioException">The text does not load.</exception>
    public IReadOnlyList<ResultRow> Run(ExperimentSource source, WorkUnit unit)
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(source.Text + "\0" + source.ScenarioText)));
        if (!_loaded.TryGetValue((sha, unit.Design), out var experiment))
            _loaded[(sha, unit.Design)] = experiment = ExperimentLoader.Load(source, [unit.Design]);
        return Run(experiment, unit);
    }

    public void Dispose()
    {
        foreach (var cell in _cells.Values) cell.Machine.Dispose();
        _cells.Clear();
    }

    /// <summary>One cell under one design on its own machine.</summary>
    private sealed class CellRunner
    {
        private readonly string _digest, _design, _cell;
        private readonly Machine _machine;
        private readonly IReadOnlyList<Property> _probes;

        public CellRunner(ExperimentSpec experiment, string design, string cell, Func<ScenarioSpec, Machine> newMachine)
        {
            var scenario = experiment.Cell(cell).For(design);
            var spec = scenario.Spec ?? throw new ArgumentException($"design {design} cannot run cell {cell}: {scenario.NotApplicable}");
            (_digest, _design, _cell) = (experiment.Digest, design, cell);
            _machine = newMachine(spec);
            _probes = [.. experiment.Hypothesis.Probes.Select(p => ProbeMeasures.Outcomes.Contains(p.Measure) ? null! : Properties.ByName(p.Measure))];
            _measures = [.. experiment.Hypothesis.Probes.Select(p => p.Measure)];
        }

        private readonly string[] _measures;

        public Machine Machine => _machine;

        public ResultRow Run(ulong seed)
        {
            var summary = _machine.Run(seed);
            var view = new RunView(_machine, summary);
            var probes = new char[_probes.Count];
            for (var i = 0; i < probes.Length; i++)
                probes[i] = Measure(i, view) ? '1' : '0';
            var rebootedInTime = summary.Outcome == Outcome.Rebooted && _machine.Kernel.PanicTimeout > 0 && RebootInTime.Check(view) is null;
            return new ResultRow(_digest, _design, _cell, seed, summary.Outcome, summary.EndTimeNs, summary.Steps,
                LogSaved.Check(view) is null, rebootedInTime, new string(probes), summary.Reason);
        }

        private bool Measure(int i, RunView view) => _measures[i] switch
        {
            ProbeMeasures.Hung => view.Summary.Outcome == Outcome.Hung,
            ProbeMeasures.Halted => view.Summary.Outcome == Outcome.Halted,
            ProbeMeasures.Rebooted => view.Summary.Outcome == Outcome.Rebooted,
            ProbeMeasures.Survived => view.Summary.Outcome == Outcome.Survived,
            _ => _probes[i].Check(view) is null,
        };
    }
}
