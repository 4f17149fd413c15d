using ActorCrash.Actors.Exploration;
using ActorCrash.Hardware;
using Spectre.Console.Cli;

namespace ActorCrash.Cli.Commands;

/// <summary>
/// `actorcrash shrink FILE`: delta-debugs the violation's triggers and decision list down to a
/// schedule that still breaks the same property; writes FILE.min.json and prints the short run.
/// </summary>
public sealed class ShrinkCommand : Command<ViolationFileSettings>
{
    public override int Execute(CommandContext context, ViolationFileSettings settings, CancellationToken cancellation)
    {
        var (v, spec) = ExploreFiles.Load(settings.File);
        Console.WriteLine($"seed {v.Seed}");
        var shrinker = new Shrinker(spec, v);
        var min = shrinker.Shrink();
        var path = settings.File.EndsWith(".json", StringComparison.Ordinal) ? settings.File[..^5] + ".min.json" : settings.File + ".min.json";
        File.WriteAllText(path, min.ToJson());
        Console.WriteLine($"shrunk in {shrinker.Runs} runs: decisions {v.Decisions.Count} -> {min.Decisions.Count} ({min.Decisions.Count(d => d != 0)} non-zero), " +
            $"triggers {spec.Triggers.Count} -> {spec.Triggers.Count - (min.RemovedTriggers?.Count ?? 0)}, trace {v.TraceLength} -> {min.TraceLength} deliveries");
        WriteRun(Replayer.Replay(spec, min), settings.Trace);
        Console.WriteLine($"property: {min.Message}");
        Console.WriteLine($"saved {path}");
        Console.WriteLine($"replay: actorcrash replay {path}");
        Console.WriteLine($"seed {v.Seed}");
        return (int)ExitCode.Ok;
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
