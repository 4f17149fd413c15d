namespace ActorCrash.Config.Experiments;

/// <summary>
/// Everything needed to load an experiment, as text: the experiment file and, when it names one with
/// <c>scenario.file</c>, that scenario file's text. A remote worker needs nothing else (no files).
/// </summary>
public sealed record ExperimentSource(
    string Name,                // the experiment file's path, or "built-in:NAME"
    string Text,
    string? ScenarioName = null, // scenario.file as resolved (relative to the experiment file), or null for an inline scenario
    string? ScenarioText = null);

/// <summary>
/// A chaos experiment, fully resolved: the steady machine, the designs, the hypothesis (probes with
/// tolerances), the fault actions and the cells they make, each cell's scenario under every design.
/// Produced by <see cref="ExperimentLoader"/>; run by ActorCrash.Experiments.
/// </summary>
public sealed record ExperimentSpec(
    string Title,
    string Description,
    IReadOnlyList<string> Tags,
    ExperimentSource Source,
    string Digest,              // SHA-256 (hex) of what decides the results: every cell's scenario, the probes, the strategy
    string Scenario,            // the steady scenario's name
    IReadOnlyList<string> Designs,  // the designs that run, in order
    HypothesisSpec Hypothesis,
    IReadOnlyList<FaultAction> Method,
    string Combine,             // none | pairs
    IReadOnlyList<ExperimentCell> Cells, // the baseline first, then each action, then the pairs
    int Runs,                   // seeds 1..Runs per design and cell
    string Strategy,
    IReadOnlyList<SkippedDesign> Skipped) // designs that cannot read the steady scenario, and why
{
    /// <summary>The cell by name.</summary>
    public ExperimentCell Cell(string name) =>
        Cells.FirstOrDefault(c => c.Name == name) ?? throw new ArgumentException($"no cell \"{name}\" in experiment {Title}");
}

/// <summary>What must hold, checked on the fault-free baseline ("before") and under each fault cell ("after").</summary>
public sealed record HypothesisSpec(string Title, IReadOnlyList<ProbeSpec> Probes);

/// <summary>
/// One probe: a measure taken on every run (a property holds, or the run ended so) and the share of
/// runs it must stay within, e.g. <c>log-saved &gt;= 99%</c> or <c>hung &lt;= 0.1%</c>.
/// </summary>
public sealed record ProbeSpec(
    string Name,                // as the table and the journal name it
    string Measure,             // a property name (PropertyNames, custom ones included) or an outcome (ProbeMeasures.Outcomes)
    ToleranceOp Op,
    double Threshold,           // a fraction, 0..1
    string Tolerance)           // as written, e.g. ">= 99%"
{
    /// <summary>Whether a share of runs is within the tolerance.</summary>
    public bool Holds(double share) => Op switch
    {
        ToleranceOp.AtLeast => share >= Threshold - 1e-12,
        ToleranceOp.AtMost => share <= Threshold + 1e-12,
        ToleranceOp.Above => share > Threshold,
        _ => share < Threshold,
    };

    /// <summary>Whether one run counts against the tolerance: the measure false for a lower bound, true for an upper bound.</summary>
    public bool CountsAgainst(bool measured) => Op is ToleranceOp.AtLeast or ToleranceOp.Above ? !measured : measured;
}

public enum ToleranceOp { AtLeast, AtMost, Above, Below }

/// <summary>A named fault action of the method: a set of changes to the steady scenario.</summary>
public sealed record FaultAction(string Name, string Description);

/// <summary>
/// A cell of the experiment: the baseline (no action), one action, or two combined; and its scenario
/// under each design (or why that design cannot read it).
/// </summary>
public sealed record ExperimentCell(string Name, IReadOnlyList<string> Actions, IReadOnlyList<CellScenario> Designs)
{
    public const string Baseline = "baseline";

    public bool IsBaseline => Actions.Count == 0;

    public CellScenario For(string design) =>
        Designs.FirstOrDefault(d => d.Design == design) ?? throw new ArgumentException($"design {design} is not in cell {Name}");
}

/// <summary>A cell under one design: its scenario text (a scenario file `actorcrash run` reads) and the loaded scenario, or why not.</summary>
public sealed record CellScenario(string Design, string Text, ScenarioSpec? Spec, string? NotApplicable);

/// <summary>A design left out of the experiment, and why.</summary>
public sealed record SkippedDesign(string Design, string Why);

/// <summary>What a probe may measure besides the properties: how the run ended.</summary>
public static class ProbeMeasures
{
    public const string Hung = "hung", Halted = "halted", Rebooted = "rebooted", Survived = "survived";

    public static IReadOnlyList<string> Outcomes { get; } = [Hung, Halted, Rebooted, Survived];

    /// <summary>Every built-in measure: the properties, then the outcomes.</summary>
    public static IReadOnlyList<string> All { get; } = [.. PropertyNames.All, .. Outcomes];
}
