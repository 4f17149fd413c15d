using System.ComponentModel;
using ActorCrash.Actors;
using ActorCrash.Actors.Akka;
using ActorCrash.Cli.Output;
using ActorCrash.Config;
using Akka.Actor;
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
    public ulong? SeedValue => Seed is null ? null : ulong.Parse(Seed, System.Globalization.CultureInfo.InvariantCulture);

    public override ValidationResult Validate() =>
        Seed is null || ulong.TryParse(Seed, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _)
            ? ValidationResult.Success()
            : ValidationResult.Error($"--seed: expected an integer from 0 to {ulong.MaxValue}, got \"{Seed}\"");

    [CommandOption("--trace")]
    [Description("Also print the full message cascade.")]
    public bool Trace { get; init; }

    [CommandOption("--json")]
    [Description("Print the result as JSON instead of text.")]
    public bool Json { get; init; }
}

/// <summary>`actorcrash run`: one emulation on a machine actor, printed for a person or a program.</summary>
public sealed class RunCommand : Command<RunSettings>
{
    public override int Execute(CommandContext context, RunSettings settings, CancellationToken cancellation)
    {
        var spec = Scenarios.Load(settings.Scenario);
        if (settings.SeedValue is { } seed) spec = spec with { Seed = seed };

        var result = Emulate(spec, settings.Trace);
        var output = Console.Out;
        if (settings.Json) JsonOutput.Write(result, output);
        else TextOutput.Write(result, spec, settings.Trace, output);
        return (int)ExitCode.Ok;
    }

    /// <summary>Runs one emulation inside an ActorSystem configured from akka.hocon.</summary>
    public static RunResult Emulate(ScenarioSpec spec, bool trace)
    {
        using var system = ActorSystem.Create("actorcrash", AkkaSettings.Load());
        var machine = system.ActorOf(MachineActor.Props(), "machine");
        var reply = machine.Ask<object>(new RunScenario(spec, spec.Seed, trace), TimeSpan.FromMinutes(10)).GetAwaiter().GetResult();
        system.Terminate().Wait();
        return reply switch
        {
            RunResult r => r,
            RunFailed f => throw new ScenarioException(spec.Source, 0, "", "a scenario this emulator can build", f.Error),
            _ => throw new InvalidOperationException($"unexpected reply {reply.GetType().Name}"),
        };
    }
}

/// <summary>Loads a scenario from a file, or the built-in default when none is named.</summary>
public static class Scenarios
{
    public static ScenarioSpec Load(string? path) => path is null ? ScenarioLoader.Default() : ScenarioLoader.LoadFile(path);
}
