using ActorCrash.Actors.Tracing;
using ActorCrash.Config.Experiments;

namespace ActorCrash.Experiments.Traces;

/// <summary>The views of an experiment's failing runs that the HTML report embeds.</summary>
public static class FailingRuns
{
    /// <summary>
    /// The SVG sequence diagram of <paramref name="verdict"/>'s first failing run: its cell's scenario
    /// under its design, its seed, the experiment's strategy (random, as <c>actorcrash run … --seed N</c>
    /// replays it), run again with a recorder. Null if the verdict names no run.
    /// </summary>
    public static string? Sequence(ExperimentSpec experiment, DesignVerdict verdict)
    {
        if (verdict.Cell is null || verdict.Seed is not { } seed) return null;
        var spec = experiment.Cells.FirstOrDefault(c => c.Name == verdict.Cell)?.Designs.FirstOrDefault(d => d.Design == verdict.Design)?.Spec;
        return spec is null ? null : SequenceDiagram.Render(RecordedRun.Record(spec, seed));
    }
}
