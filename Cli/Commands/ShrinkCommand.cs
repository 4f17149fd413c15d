using ActorCrash.Actors;
using ActorCrash.Actors.Exploration;
using ActorCrash.Cli.Output;
using ActorCrash.Hardware;
using Spectre.Console.Cli;

namespace ActorCrash.Cli.Commands;

/// <summary>shrink --json (schemas/shrink.schema.json).</summary>
public sealed record ShrinkReport(
    string File, string Saved, string Replay, string Scenario, string Design, ulong Seed, int Runs,
    int DecisionsBefore, int DecisionsAfter, int NonZeroDecisions, int TriggersBefore, int TriggersAfter,
    int TraceBefore, int TraceAfter, string Property, string Message, Outcome Outcome, long EndTimeNs, string Reason,
    IReadOnlyList<TraceLine>? Trace);

/// <summary>
/// `actorcrash shrink FILE`: delta-debugs the violation's triggers and decision list down to a
/// schedule that still breaks the same property; writes FILE.min.json beside it (never over an
/// existing file) and prints the short run. Exit 1: the reduced violation still fails, as replay's.
/// </summary>
public sealed class ShrinkCommand : Command<ViolationFileSettings>
{
    public override int Execute(CommandContext context, ViolationFileSettings settings, CancellationToken cancellation)
    {
        var (v, spec, text) = ViolationFiles.Load(settings.File);
        Errors.Current = spec with { Seed = v.Seed };
        if (!settings.Json) Console.WriteLine($"seed {v.Seed}");
        var shrinker = new Shrinker(spec, v);
        var min = ViolationFiles.Complete(shrinker.Shrink(), text);
        var dir = Path.GetDirectoryName(Path.GetFullPath(settings.File))!;
        var name = Path.GetFileName(settings.File);
        var stem = (name.EndsWith(".json", StringComparison.Ordinal) ? name[..^5] : name) + ".min";
        var saved = OutputFiles.WriteNew(dir, stem, ".json", min.ToJson());
        var shown = Path.GetDirectoryName(settings.File) is { Length: > 0 } given ? Path.Combine(given, Path.GetFileName(saved)) : Path.GetFileName(saved);
        var run = Replayer.Replay(spec, min);
        var report = new ShrinkReport(settings.File, shown, CliApp.Command("replay", shown), v.Scenario, v.Design, v.Seed, shrinker.Runs,
            v.Decisions.Count, min.Decisions.Count, min.Decisions.Count(d => d != 0),
            spec.Triggers.Count, spec.Triggers.Count - (min.RemovedTriggers?.Count ?? 0), v.TraceLength, min.TraceLength,
            min.Property, min.Message, run.Result.Outcome, run.Result.EndTimeNs, run.Result.Reason, settings.Trace ? run.Result.Trace : null);
        if (settings.Json)
        {
            Console.Out.WriteLine(JsonOutput.Serialize(report));
            return (int)ExitCode.Violation;
        }
        Console.WriteLine($"shrunk in {report.Runs} runs: decisions {report.DecisionsBefore} -> {report.DecisionsAfter} ({report.NonZeroDecisions} non-zero), " +
            $"triggers {report.TriggersBefore} -> {report.TriggersAfter}, trace {report.TraceBefore} -> {report.TraceAfter} deliveries");
        WriteRun(run, settings.Trace);
        Console.WriteLine($"property: {min.Message}");
        Console.WriteLine($"saved {shown}");
        Console.WriteLine($"replay: {report.Replay}");
        Console.WriteLine($"seed {v.Seed}");
        return (int)ExitCode.Violation;
    }

    /// <summary>The short form of a run: milestones, CPUs, locks, outcome; the trace on request.</summary>
    internal static void WriteRun(Replayed r, bool trace)
    {
        var res = r.Result;
        Console.WriteLine("--- milestones ---");
        foreach (var m in res.Milestones)
            Console.WriteLine($"{VirtualTime.Format(m.TimeNs),14}  {(m.Cpu >= 0 ? $"cpu{m.Cpu}" : ""),-6}{m.What}");
        Console.WriteLine("--- CPUs at the end ---");
        foreach (var c in res.Cpus) Console.WriteLine($"cpu{c.Cpu,-4} {c.Fate,-14} {c.Doing}");
        foreach (var l in res.LocksHeld) Console.WriteLine($"lock {l.Lock} held by cpu{l.Cpu} ({l.HolderFate})");
        if (trace)
        {
            Console.WriteLine($"--- trace ({res.Trace!.Count} deliveries) ---");
            Console.Write(r.Trace);
        }
        Console.WriteLine($"outcome: {res.Outcome} at {VirtualTime.Format(res.EndTimeNs)} after {res.Steps} messages: {res.Reason}");
    }
}
