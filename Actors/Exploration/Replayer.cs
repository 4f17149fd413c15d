using ActorCrash.Actors.Runtime;
using ActorCrash.Config;

namespace ActorCrash.Actors.Exploration;

/// <summary>The result of replaying a violation: the run, its trace and whether it still breaks the property.</summary>
public sealed record Replayed(RunResult Result, string Trace, string TraceSha256, string? Message)
{
    public bool Violated => Message is not null;
}

/// <summary>Re-runs a recorded violation from its decision list, on the scenario it names.</summary>
public static class Replayer
{
    /// <summary>The scenario as the violation ran it: without the triggers shrinking removed.</summary>
    public static ScenarioSpec SpecFor(ScenarioSpec spec, Violation v) =>
        v.RemovedTriggers is { Count: > 0 } removed
            ? spec with { Triggers = [.. spec.Triggers.Where((_, i) => !removed.Contains(i))] }
            : spec;

    /// <param name="observer">Watches the replayed run (a <see cref="Tracing.RunRecording"/> for --perfetto); it changes nothing.</param>
    public static Replayed Replay(ScenarioSpec spec, Violation v, Tracing.IRunObserver? observer = null, Action<Machine>? after = null)
    {
        using var machine = new Machine(SpecFor(spec, v));
        if (observer is Tracing.RunRecording recording) recording.Attach(machine);
        else machine.Runtime.Observer = observer;
        var summary = machine.Run(v.Seed, new ReplayStrategy(v.Decisions, v.Lenient));
        var message = Properties.ByName(v.Property).Check(new RunView(machine, summary));
        var (trace, _) = Violation.TraceText(machine);
        after?.Invoke(machine);
        return new Replayed(machine.Report(trace: true), trace, Violation.Sha256(trace), message);
    }
}
