using System.ComponentModel;
using ActorCrash.Actors;
using ActorCrash.Actors.Akka;
using ActorCrash.Cli.Output;
using ActorCrash.Config;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ActorCrash.Cli.Commands;

public sealed class RunSettings : CommandSettings
{
    [CommandArgument(0, "[scenario]")]
    [Description("Scenario file (HOCON). Default: the built-in scenario from the 2011 thread.")]
    public string? Scenario { get; init; }

    [CommandOption("--seed <N>")]
    [Description("Seed of the run (overrides the scenario's).")]
    public string? Seed { get; init; }

    /// <summary>The parsed --seed (Validate has checked it).</summary>
    public ulong? SeedValue => Options.ParseSeed(Seed);

    [CommandOption("--design <D>")]
    [Description("Panic-path design (overrides the scenario's; see `actorcrash designs`).")]
    public string? Design { get; init; }

    public override ValidationResult Validate() => Options.All(Options.Seed(Seed), Options.Design(Design));

    [CommandOption("--trace")]
    [Description("Also print the full message cascade.")]
    public bool Trace { get; init; }

    [CommandOption("--json")]
    [Description("Print the result as JSON instead of text.")]
    public bool Json { get; init; }

    [CommandOption("--perfetto <FILE>")]
    [Description("Also write the run as Chrome/Perfetto trace-event JSON (ui.perfetto.dev; docs/traces.md).")]
    public string? Perfetto { get; init; }

    [CommandOption("--svg <FILE>")]
    [Description("Also write the run as an SVG sequence diagram (docs/traces.md).")]
    public string? Svg { get; init; }
}

/// <summary>`actorcrash run`: one emulation on a machine actor, printed for a person or a program.</summary>
public sealed class RunCommand : Command<RunSettings>
{
    public override int Execute(CommandContext context, RunSettings settings, CancellationToken cancellation) => Run(settings);

    /// <summary>The run <paramref name="settings"/> ask for, whether Spectre parsed them or <see cref="RunFastPath"/> did.</summary>
    public static int Run(RunSettings settings)
    {
        StartupTrace.Mark("parsed");
        var spec = Scenarios.Load(settings.Scenario, settings.Design);
        StartupTrace.Mark("loaded");
        if (settings.SeedValue is { } seed) spec = spec with { Seed = seed };
        Errors.Current = spec;
        RunViews.Check(settings.Perfetto, settings.Svg);

        var result = Emulate(spec, settings.Trace);
        StartupTrace.Mark("emulated");
        var output = Console.Out;
        if (settings.Json) JsonOutput.Write(result, output);
        else TextOutput.Write(result, spec, settings.Trace, output);
        StartupTrace.Mark("printed");
        // The same run again with a recorder attached (a run is a pure function of scenario and seed).
        if (RunViews.Wanted(settings.Perfetto, settings.Svg))
            RunViews.Write(Actors.Tracing.RecordedRun.Record(spec, spec.Seed), settings.Perfetto, settings.Svg, settings.Json ? Console.Error : output);
        return (int)ExitCode.Ok;
    }

    /// <summary>
    /// Runs one emulation on a machine whose device actors live in the process's device system
    /// (<see cref="DeviceHost.Shared"/>): the same deterministic runtime a machine actor runs, without
    /// a second ActorSystem, a machine actor, an Ask or a Terminate that one emulation does not need.
    /// </summary>
    public static RunResult Emulate(ScenarioSpec spec, bool trace)
    {
        Machine machine;
        try
        {
            machine = new Machine(spec);
            StartupTrace.Mark("machine");
        }
        catch (Exception e) when (e is not EmulatorFault)
        {
            // The loader refuses every bad scenario, so a machine that cannot be built is the emulator's bug.
            throw new EmulatorFault(spec, null, e);
        }
        using (machine) return machine.RunAndReport(spec.Seed, trace: trace);
    }
}

/// <summary>Loads a scenario: a file, built-in:NAME, or the built-in default when none is named.</summary>
public static class Scenarios
{
    public const string BuiltInPrefix = "built-in:";

    /// <summary>The scenario, read as <paramref name="design"/> would read it when one is given (its cmdline, era = auto).</summary>
    public static ScenarioSpec Load(string? path, string? design = null)
    {
        var (text, source) = Text(path);
        return ScenarioLoader.LoadText(design is null ? text : DesignComparison.WithDesign(text, design), source);
    }

    /// <summary>The scenario's text and the name errors give it.</summary>
    public static (string Text, string Source) Text(string? path) => path switch
    {
        null => (ScenarioLoader.BuiltInText(ScenarioLoader.DefaultName), BuiltInPrefix + ScenarioLoader.DefaultName),
        _ when path.StartsWith(BuiltInPrefix, StringComparison.Ordinal) => (BuiltIn(path[BuiltInPrefix.Length..]), path),
        _ => (InputFiles.ReadText(path, "the scenario"), path),
    };

    private static string BuiltIn(string name)
    {
        if (!ScenarioLoader.BuiltInNames.Contains(name)) ScenarioLoader.BuiltIn(name);  // throws the error listing the built-ins
        return ScenarioLoader.BuiltInText(name);
    }
}
