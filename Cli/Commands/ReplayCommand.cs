using System.ComponentModel;
using ActorCrash.Actors;
using ActorCrash.Actors.Exploration;
using ActorCrash.Actors.Runtime;
using ActorCrash.Cli.Output;
using Spectre.Console.Cli;

namespace ActorCrash.Cli.Commands;

/// <summary>The settings of `replay` and `shrink`: a violation file, and whether to print the trace.</summary>
public class ViolationFileSettings : CommandSettings
{
    [CommandArgument(0, "<file>")]
    [Description("A violation saved by `explore` or `shrink` (JSON); it holds its scenario, so it replays from any directory.")]
    public string File { get; init; } = "";

    [CommandOption("--trace")]
    [Description("Print the full message trace (of the reduced run, for shrink).")]
    public bool Trace { get; init; }

    [CommandOption("--json")]
    [Description("Print the result as JSON (schemas/replay.schema.json, schemas/shrink.schema.json) instead of text.")]
    public bool Json { get; init; }
}

/// <summary>The settings of `replay`: those of a violation file, and the views of the replayed run to write.</summary>
public sealed class ReplaySettings : ViolationFileSettings
{
    [CommandOption("--perfetto <FILE>")]
    [Description("Also write the replayed run as Chrome/Perfetto trace-event JSON (ui.perfetto.dev; docs/traces.md).")]
    public string? Perfetto { get; init; }

    [CommandOption("--svg <FILE>")]
    [Description("Also write the replayed run as an SVG sequence diagram (docs/traces.md).")]
    public string? Svg { get; init; }
}

/// <summary>replay --json (schemas/replay.schema.json).</summary>
public sealed record ReplayReport(
    string File, string Scenario, string Design, string Strategy, ulong Seed, int Decisions, bool Lenient,
    string EmulatorVersion, string? RecordedEmulatorVersion, bool TraceIdentical, string? TraceSha256, string RecordedTraceSha256,
    int? Deliveries, string Property, bool Violated, string? Message, Outcome? Outcome, long? EndTimeNs, long? Steps, string? Reason,
    string? Diverged, IReadOnlyList<TraceLine>? Trace);

/// <summary>
/// `actorcrash replay FILE`: re-runs a recorded violation from its decision list and says whether the
/// trace is byte for byte the recorded one. Exit 1: reproduced (the property is violated again);
/// exit 2: the file was edited (what changed is said); exit 3: the emulator diverged (a bug, or a
/// file from another emulator version, which is said).
/// </summary>
public sealed class ReplayCommand : Command<ReplaySettings>
{
    public override int Execute(CommandContext context, ReplaySettings settings, CancellationToken cancellation)
    {
        var (v, spec, _) = ViolationFiles.Load(settings.File);
        Errors.Current = spec with { Seed = v.Seed };
        RunViews.Check(settings.Perfetto, settings.Svg);
        var recording = RunViews.Wanted(settings.Perfetto, settings.Svg) ? new Actors.Tracing.RunRecording() : null;
        Actors.Tracing.RecordedRun? views = null;
        Replayed? r = null;
        string? diverged = null;
        try
        {
            r = Replayer.Replay(spec, v, recording, m => views = recording is null ? null : Actors.Tracing.RecordedRun.From(m, recording));
        }
        catch (ReplayDivergedException e)
        {
            diverged = e.Message;
        }
        var same = r is not null && r.TraceSha256 == v.TraceSha256;
        if (r is not null && !same) diverged = $"the trace differs from the recorded one (sha256 {r.TraceSha256[..16]}, recorded {v.TraceSha256[..16]})";
        if (diverged is not null && v.EmulatorVersion is { } recorded && recorded != EmulatorVersion.Value)
            diverged += $"; the file was recorded by emulator {recorded}, this is {EmulatorVersion.Value}";
        var report = new ReplayReport(settings.File, v.Scenario, v.Design, v.Strategy, v.Seed, v.Decisions.Count, v.Lenient,
            EmulatorVersion.Value, v.EmulatorVersion, same, r?.TraceSha256, v.TraceSha256, r?.Result.Trace?.Count, v.Property,
            r?.Violated ?? false, r?.Message, r?.Result.Outcome, r?.Result.EndTimeNs, r?.Result.Steps, r?.Result.Reason, diverged,
            settings.Trace ? r?.Result.Trace : null);

        if (settings.Json) Console.Out.WriteLine(JsonOutput.Serialize(report));
        else
        {
            Console.WriteLine($"seed {v.Seed}");
            Console.WriteLine($"replay {v.Scenario}, design {v.Design}, strategy {v.Strategy}, seed {v.Seed}: {v.Decisions.Count} decisions{(v.Lenient ? " (lenient: defaults past the end)" : "")}");
            if (r is not null) ShrinkCommand.WriteRun(r, settings.Trace);
            Console.WriteLine(same
                ? $"trace: identical to the recorded one, byte for byte ({r!.Result.Trace!.Count} deliveries, sha256 {r.TraceSha256[..16]})"
                : $"trace: DIVERGED: {diverged}");
            if (r is not null) Console.WriteLine(r.Violated ? $"property: {r.Message}" : $"property: {v.Property} now holds");
            Console.WriteLine($"seed {v.Seed}");
        }
        if (views is not null) RunViews.Write(views, settings.Perfetto, settings.Svg, settings.Json ? Console.Error : Console.Out);
        if (!same) Console.Error.WriteLine($"internal error: the emulator diverged from the recorded run: {diverged}");
        return same && r!.Violated ? (int)ExitCode.Violation : (int)ExitCode.Internal;
    }
}
