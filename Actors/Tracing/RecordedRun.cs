using ActorCrash.Actors.Runtime;
using ActorCrash.Config;

namespace ActorCrash.Actors.Tracing;

/// <summary>
/// A run with everything the trace exporters draw: its full result (milestones, trace, CPUs), the
/// recording of frames and sends, and the machine's device names by index (CPUs first).
/// <see cref="RunRecording"/>'s k-th Deliver event is <c>Result.Trace[k]</c>.
/// </summary>
public sealed record RecordedRun(RunResult Result, RunRecording Recording, IReadOnlyList<string> Actors)
{
    /// <summary>Runs <paramref name="spec"/> once on a new machine with a recording attached (the same run as without it).</summary>
    public static RecordedRun Record(ScenarioSpec spec, ulong seed, ISchedulingStrategy? strategy = null)
    {
        using var machine = new Machine(spec);
        var recording = new RunRecording();
        recording.Attach(machine);
        machine.Run(seed, strategy);
        return From(machine, recording);
    }

    /// <summary>The last run of <paramref name="machine"/>, recorded by <paramref name="recording"/>.</summary>
    public static RecordedRun From(Machine machine, RunRecording recording)
    {
        var rt = machine.Runtime;
        var actors = new string[rt.DeviceCount];
        for (var i = 0; i < actors.Length; i++) actors[i] = rt.NameOf(new ActorId(i));
        return new RecordedRun(machine.Report(trace: true), recording, actors);
    }
}
