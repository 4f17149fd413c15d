using System.ComponentModel;
using System.Diagnostics;
using ActorCrash.Actors.Designs;
using ActorCrash.Actors.Exploration;
using ActorCrash.Config;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ActorCrash.Cli.Commands;

public sealed class ExploreSettings : CommandSettings
{
    [CommandArgument(0, "[scenario]")]
    [Description("Scenario file (HOCON). Default: the built-in scenario.")]
    public string? Scenario { get; init; }

    [CommandOption("--design <D>")]
    [Description("Panic-path design (overrides the scenario's).")]
    public string? Design { get; init; }

    [CommandOption("--strategy <S>")]
    [Description("portfolio (default: random, pct d=3, delay-bounding, pct d=5 by run), random, pct, delay-bounding, exhaustive.")]
    public string Strategy { get; init; } = Strategies.Default;

    [CommandOption("--runs <N>")]
    [Description("Stop after N runs. Default: 10000 unless --time is given.")]
    public long? Runs { get; init; }

    [CommandOption("--time <T>")]
    [Description("Stop after this much wall time, e.g. 30s, 5m.")]
    public string? Time { get; init; }

    [CommandOption("--seed <N>")]
    [Description("Seed of the first run; run i uses seed + i. Default: the scenario's.")]
    public ulong? Seed { get; init; }

    [CommandOption("--keep-going")]
    [Description("Do not stop at the first violation.")]
    public bool KeepGoing { get; init; }

    [CommandOption("--check-determinism")]
    [Description("Replay every 100th run on a second machine and compare traces (a difference exits 3).")]
    public bool CheckDeterminism { get; init; }

    [CommandOption("--property <P>")]
    [Description("Check these properties (comma-separated) instead of the scenario's `properties`.")]
    public string? Property { get; init; }

    [CommandOption("--out <DIR>")]
    [Description("Where violations are saved as JSON. Default: actorcrash-violations.")]
    public string Out { get; init; } = "actorcrash-violations";

    public TimeSpan? TimeBudget => Time is null ? null : ExploreFiles.ParseWallTime(Time);

    public override ValidationResult Validate()
    {
        if (!Strategies.Names.Contains(Strategy))
            return ValidationResult.Error($"--strategy must be one of {string.Join(", ", Strategies.Names)}");
        if (Design is not null && Designs.All.All(d => d.Name != Design))
            return ValidationResult.Error($"--design must be one of {string.Join(", ", Designs.All.Select(d => d.Name))}");
        if (Runs is < 1) return ValidationResult.Error("--runs must be at least 1");
        if (Time is not null && ExploreFiles.ParseWallTime(Time) is null)
            return ValidationResult.Error("--time takes a wall time such as 500ms, 30s, 5m or 1h");
        if (Property is not null && Property.Split(',').FirstOrDefault(p => !PropertyNames.All.Contains(p)) is { } bad)
            return ValidationResult.Error($"--property: unknown property \"{bad}\"; known: {string.Join(", ", PropertyNames.All)}");
        return ValidationResult.Success();
    }
}

/// <summary>
/// `actorcrash explore`: runs the scenario over and over under an exploration strategy, checks its
/// properties on every run, saves each violation as JSON with a replay command, and prints a summary
/// (runs, distinct outcomes, violations per property, elapsed). The seed is printed first and last.
/// </summary>
public sealed class ExploreCommand : Command<ExploreSettings>
{
    private const int DeterminismEvery = 100;

    public override int Execute(CommandContext context, ExploreSettings settings, CancellationToken cancellation)
    {
        var (spec, sha) = ExploreFiles.LoadScenario(settings.Scenario);
        if (settings.Design is { } design) spec = spec with { Design = design };
        var seed = settings.Seed ?? spec.Seed;
        // A scenario that names no property is still checked for the one every user wants: no hang.
        var names = settings.Property?.Split(',') ?? (spec.Properties.Count > 0 ? [.. spec.Properties] : [PropertyNames.NoHang]);
        var properties = Properties.For(names);
        Console.WriteLine($"seed {seed}");
        Console.WriteLine($"explore {spec.Name} ({spec.Source}), design {spec.Design}, strategy {settings.Strategy}, " +
            $"properties: {string.Join(", ", properties.Select(x => x.Name))}{(settings.Property is null && spec.Properties.Count == 0 ? " (the default: the scenario lists no `properties`)" : "")}");

        var explorer = new Explorer(spec, settings.Strategy, properties, sha);
        var budget = settings.Runs ?? (settings.TimeBudget is null ? 10_000 : long.MaxValue);
        var time = settings.TimeBudget;
        var sw = Stopwatch.StartNew();
        bool KeepRunning(long runs) => runs < budget && (time is null || (runs & 255) != 0 || sw.Elapsed < time) && !cancellation.IsCancellationRequested;
        var report = new ExploreReport();
        var every = settings.CheckDeterminism ? DeterminismEvery : 0;

        if (Console.IsOutputRedirected || AnsiConsole.Profile.Capabilities.Interactive == false)
            explorer.Explore(seed, KeepRunning, settings.KeepGoing, every, report);
        else
            AnsiConsole.Progress().AutoClear(true).Start(ctx =>
            {
                var task = ctx.AddTask("exploring", maxValue: budget == long.MaxValue ? 1 : budget);
                // Explore in slices so the display refreshes between them; the loop itself stays clock-free.
                var done = false;
                while (!done)
                {
                    var sliceEnd = report.Runs + 4096;
                    explorer.Explore(seed, r => r < sliceEnd && KeepRunning(r), settings.KeepGoing, every, report);
                    done = report.Runs < sliceEnd || report.Complete || (report.Violations.Count > 0 && !settings.KeepGoing);
                    task.Value = budget == long.MaxValue ? sw.Elapsed / time!.Value : report.Runs;
                    task.Description = $"{report.Runs:N0} runs, {report.Runs / Math.Max(1e-9, sw.Elapsed.TotalSeconds):N0} runs/s, " +
                        $"violations: {(report.ViolationsByProperty.Count == 0 ? "none" : string.Join(", ", report.ViolationsByProperty.Select(v => $"{v.Key} {v.Value}")))}";
                }
            });
        var elapsed = sw.Elapsed;
        return Summarise(spec, settings, explorer, report, elapsed, seed);
    }

    private static int Summarise(ScenarioSpec spec, ExploreSettings settings, Explorer explorer, ExploreReport report, TimeSpan elapsed, ulong seed)
    {
        Console.WriteLine($"runs: {report.Runs:N0} in {elapsed.TotalSeconds:F2} s ({report.Runs / Math.Max(1e-9, elapsed.TotalSeconds):N0} runs/s), distinct outcomes: {report.DistinctOutcomes}");
        if (explorer.Strategy is ExhaustiveStrategy ex)
            Console.WriteLine($"exhaustive: {ex.Explored:N0} schedules ({(ex.Complete ? "the whole space" : "stopped before the space was exhausted")}; " +
                $"latencies and fault times discretised to {{min, max}}; no partial-order reduction; deepest run {ex.MaxDepth} choice points)");
        if (settings.CheckDeterminism)
            Console.WriteLine($"determinism: {report.DeterminismChecks} runs replayed on a second machine, {report.NonDeterministic.Count} differed");
        Console.WriteLine(report.ViolationsByProperty.Count == 0
            ? "violations: none"
            : $"violations: {string.Join(", ", report.ViolationsByProperty.Select(v => $"{v.Key} {v.Value}"))}");
        foreach (var v in report.Violations.Take(20))
        {
            var path = ExploreFiles.Save(settings.Out, spec, v);
            Console.WriteLine($"  run {v.Run}, seed {v.Seed}, {v.Strategy}: {v.Message}");
            Console.WriteLine($"  saved {path} ({v.Decisions.Count} decisions)");
            Console.WriteLine($"  replay: actorcrash replay {path}   shrink: actorcrash shrink {path}");
        }
        foreach (var n in report.NonDeterministic)
            Console.Error.WriteLine($"emulator bug: non-deterministic run: {n}");
        Console.WriteLine($"seed {seed}");
        if (report.NonDeterministic.Count > 0) return (int)ExitCode.Internal;
        return report.Violations.Count > 0 ? (int)ExitCode.Violation : (int)ExitCode.Ok;
    }
}

/// <summary>Loading scenarios for violations and saving violation files, shared by explore, replay and shrink.</summary>
public static class ExploreFiles
{
    private const string BuiltIn = "built-in:";

    /// <summary>The scenario and the SHA-256 of its file's text (null for a built-in).</summary>
    public static (ScenarioSpec Spec, string? Sha256) LoadScenario(string? source)
    {
        if (source is null) return (ScenarioLoader.Default(), null);
        if (source.StartsWith(BuiltIn, StringComparison.Ordinal)) return (ScenarioLoader.BuiltIn(source[BuiltIn.Length..]), null);
        var spec = ScenarioLoader.LoadFile(source);
        return (spec, Violation.Sha256(File.ReadAllText(source)));
    }

    /// <summary>The violation and its scenario (with the violation's design); warns when the scenario file changed since.</summary>
    public static (Violation Violation, ScenarioSpec Spec) Load(string file)
    {
        Violation v;
        try
        {
            v = Violation.FromJson(File.ReadAllText(file));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            throw new ScenarioException(file, 0, "", "a violation file written by `actorcrash explore`", $"cannot read the violation: {e.Message}");
        }
        var (spec, sha) = LoadScenario(v.Scenario);
        if (v.ScenarioSha256 is not null && sha != v.ScenarioSha256)
            Console.Error.WriteLine($"warning: {v.Scenario} changed since the violation was recorded (sha256 {v.ScenarioSha256[..12]}…, now {sha?[..12]}…)");
        return (v, spec with { Design = v.Design });
    }

    public static string Save(string dir, ScenarioSpec spec, Violation v, string suffix = ".json")
    {
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, $"{spec.Name}-{v.Property}-seed{v.Seed}{suffix}");
        File.WriteAllText(path, v.ToJson());
        return path;
    }

    /// <summary>500ms, 30s, 5m, 1h.</summary>
    public static TimeSpan? ParseWallTime(string text)
    {
        var units = new (string Suffix, double Seconds)[] { ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600) };
        foreach (var (suffix, seconds) in units)
            if (text.EndsWith(suffix, StringComparison.Ordinal) &&
                double.TryParse(text[..^suffix.Length], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0)
                return TimeSpan.FromSeconds(n * seconds);
        return null;
    }
}
