using System.ComponentModel;
using ActorCrash.Actors.Exploration;
using Spectre.Console.Cli;

namespace ActorCrash.Cli.Commands;

/// <summary>The settings of `replay` and `shrink`: a violation file, and whether to print the trace.</summary>
public sealed class ViolationFileSettings : CommandSettings
{
    [CommandArgument(0, "<file>")]
    [Description("A violation saved by `explore` or `shrink` (JSON).")]
    public string File { get; init; } = "";

    [CommandOption("--trace")]
    [Description("Print the full message trace (of the reduced run, for shrink).")]
    public bool Trace { get; init; }
}

/// <summary>
/// `actorcrash replay FILE`: re-runs a recorded violation from its decision list and says whether the
/// trace is byte for byte the recorded one. Exit 1: reproduced (the property is violated again);
/// exit 3: not reproduced (an emulator bug).
/// </summary>
public sealed class ReplayCommand : Command<ViolationFileSettings>
{
    public override int Execute(CommandContext context, ViolationFileSettings settings, CancellationToken cancellation)
    {
        var (v, spec) = ExploreFiles.Load(settings.File);
        Console.WriteLine($"seed {v.Seed}");
        var r = Replayer.Replay(spec, v);
        Console.WriteLine($"replay {v.Scenario}, design {v.Design}, strategy {v.Strategy}, seed {v.Seed}: {v.Decisions.Count} decisions{(v.Lenient ? " (lenient: defaults past the end)" : "")}");
        ShrinkCommand.WriteRun(r, settings.Trace);
        var same = r.TraceSha256 == v.TraceSha256;
        Console.WriteLine(same
            ? $"trace: identical to the recorded one, byte for byte ({r.Result.Trace!.Count} deliveries, sha256 {r.TraceSha256[..16]})"
            : $"trace: DIFFERS from the recorded one (sha256 {r.TraceSha256[..16]}, recorded {v.TraceSha256[..16]})");
        Console.WriteLine(r.Violated ? $"property: {r.Message}" : $"property: {v.Property} now holds");
        Console.WriteLine($"seed {v.Seed}");
        return same && r.Violated ? (int)ExitCode.Violation : (int)ExitCode.Internal;
    }
}
