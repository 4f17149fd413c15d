using System.ComponentModel;
using System.Diagnostics;
using ActorCrash.Actors.Designs;
using ActorCrash.Actors.Exploration;
using ActorCrash.Cli.Output;
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

    [CommandOption("--depth <D>")]
    [Description("PCT's depth d (d - 1 priority change points over the run's steps). Default: 3 (the portfolio's PCT members: 3 and 5).")]
    public int? Depth { get; init; }

    [CommandOption("--no-por")]
    [Description("Exhaustive search without partial-order reduction (every interleaving of commuting deliveries), to compare schedule counts.")]
    public bool NoPor { get; init; }

    [CommandOption("--runs <N>")]
    [Description("Stop after N runs. Default: 10000 unless --time is given.")]
    public long? Runs { get; init; }

    [CommandOption("--time <T>")]
    [Description("Stop after this much wall time, e.g. 30s, 5m.")]
    public string? Time { get; init; }

    [CommandOption("--seed <N>")]
    [Description("Seed of the first run; run i uses seed + i. Default: the scenario's.")]
    public string? Seed { get; init; }

    [CommandOption("--json")]
    [Description("Print the summary as JSON (schemas/explore.schema.json) instead of text.")]
    public bool Json { get; init; }

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

    [CommandOption("--coverage [FILE]")]
    [Description("Print what the runs reached (panic-path functions, CPU states and locks at the stop, outcomes, known bugs) and write it as JSON (schemas/coverage.schema.json) to FILE, default OUT/SCENARIO-coverage.json.")]
    public FlagValue<string>? Coverage { get; init; }

    public TimeSpan? TimeBudget => Options.ParseWallTime(Time);

    public override ValidationResult Validate()
    {
        if (!Strategies.Names.Contains(Strategy))
            return ValidationResult.Error($"--strategy: expected one of {string.Join(", ", Strategies.Names)}, got \"{Strategy}\"{Suggestions.DidYouMean(Strategy, Strategies.Names)}");
        if (Depth is < 1 or > 64) return ValidationResult.Error($"--depth: expected an integer from 1 to 64, got {Depth}");
        if (Options.All(Options.Design(Design), Options.Runs(Runs), Options.WallTime(Time), Options.Seed(Seed)) is { Successful: false } invalid)
            return invalid;
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
        // Everything that can be wrong with the input is found before the first run.
        var (text, source) = Scenarios.Text(settings.Scenario);
        var spec = ScenarioLoader.LoadText(settings.Design is { } d ? DesignComparison.WithDesign(text, d) : text, source);
        Errors.Current = spec;
        if (Options.OutDir(settings.Out) is { Successful: false } bad) throw new UsageException(bad.Message!);
        var seed = Options.ParseSeed(settings.Seed) ?? spec.Seed;
        // A scenario that names no property is still checked for the one every user wants: no hang.
        var names = settings.Property?.Split(',') ?? (spec.Properties.Count > 0 ? [.. spec.Properties] : [PropertyNames.NoHang]);
        var properties = Properties.For(names);
        var say = settings.Json ? TextWriter.Null : Console.Out;
        say.WriteLine($"seed {seed}");
        say.WriteLine($"explore {spec.Name} ({spec.Source}), design {spec.Design}, strategy {settings.Strategy}, " +
            $"properties: {string.Join(", ", properties.Select(x => x.Name))}{(settings.Property is null && spec.Properties.Count == 0 ? " (the default: the scenario lists no `properties`)" : "")}");

        var explorer = new Explorer(spec, settings.Strategy, properties, Violation.Sha256(text),
            options: new StrategyOptions(settings.Depth, PartialOrderReduction: !settings.NoPor));
        var budget = settings.Runs ?? (settings.TimeBudget is null ? 10_000 : long.MaxValue);
        var time = settings.TimeBudget;
        var sw = Stopwatch.StartNew();
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation, Interruption.Token).Token;
        bool KeepRunning(long runs) => runs < budget && (time is null || (runs & 255) != 0 || sw.Elapsed < time) && !stop.IsCancellationRequested;
        // Each violation is saved the moment it is found: Ctrl-C, SIGTERM or kill -9 later loses none.
        var saved = new List<(Violation Violation, string Path)>();
        var coveragePath = ExploreCoverage.Path(settings.Coverage, settings.Out, spec.Name);
        var report = new ExploreReport
        {
            Coverage = coveragePath is null ? null : new Coverage(),
            OnViolation = v => saved.Add((v, ViolationFiles.Save(settings.Out, spec, ViolationFiles.Complete(v, text)))),
        };
        var every = settings.CheckDeterminism ? DeterminismEvery : 0;

        if (settings.Json || Console.IsOutputRedirected || AnsiConsole.Profile.Capabilities.Interactive == false)
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
        var summary = Summary(spec, settings, explorer, report, saved, sw.Elapsed, seed);
        if (settings.Json) Console.Out.WriteLine(JsonOutput.Serialize(summary));
        else WriteSummary(summary, Console.Out);
        ExploreCoverage.Write(report.Coverage, coveragePath, spec, settings.Strategy, seed, settings.Json ? Console.Error : Console.Out);
        foreach (var n in report.NonDeterministic)
            Console.Error.WriteLine($"emulator bug: non-deterministic run: {n}");
        if (Interruption.ExitCode is { } interrupted) return interrupted;
        if (report.NonDeterministic.Count > 0) return (int)ExitCode.Internal;
        return report.Violations.Count > 0 ? (int)ExitCode.Violation : (int)ExitCode.Ok;
    }

    private static ExploreSummary Summary(ScenarioSpec spec, ExploreSettings settings, Explorer explorer, ExploreReport report,
        List<(Violation Violation, string Path)> saved, TimeSpan elapsed, ulong seed)
    {
        var ex = explorer.Strategy as ExhaustiveStrategy;
        return new ExploreSummary(spec.Name, spec.Source, spec.Design, settings.Strategy, [.. explorer.Properties.Select(p => p.Name)], seed,
            report.Runs, Math.Round(elapsed.TotalSeconds, 3), report.DistinctOutcomes,
            new SortedDictionary<string, long>(report.ViolationsByProperty, StringComparer.Ordinal),
            [.. saved.Select(s => new SavedViolation(s.Violation.Run, s.Violation.Seed, s.Violation.Strategy, s.Violation.Property,
                s.Violation.Message, s.Violation.Decisions.Count, s.Path,
                CliApp.Command("replay", s.Path), CliApp.Command("shrink", s.Path)))],
            ex is null ? null : new ExhaustiveSummary(ex.Explored, ex.Complete, ex.MaxDepth),
            settings.CheckDeterminism ? report.DeterminismChecks : null,
            [.. report.NonDeterministic],
            Interruption.ExitCode switch { null => null, (int)ExitCode.Terminated => "SIGTERM", _ => "SIGINT" })
        {
            PartialOrderReduction = ex?.PartialOrderReduction ?? false,
        };
    }

    private static void WriteSummary(ExploreSummary s, TextWriter o)
    {
        if (s.Interrupted is { } signal)
            o.WriteLine($"interrupted by {signal}: stopped after {s.Runs:N0} runs; every violation kept so far (the first {Explorer.MaxKept}) is saved");
        o.WriteLine($"runs: {s.Runs:N0} in {s.ElapsedSeconds:F2} s ({s.Runs / Math.Max(1e-9, s.ElapsedSeconds):N0} runs/s), distinct outcomes: {s.DistinctOutcomes}");
        if (s.Exhaustive is { } ex)
            o.WriteLine($"exhaustive: {ex.Schedules:N0} schedules ({(ex.Complete ? "the whole space" : "stopped before the space was exhausted")}; " +
                $"timing ranges at their ends and around the deliveries they could fall between; partial-order reduction {(s.PartialOrderReduction ? "on" : "off (--no-por)")}; deepest run {ex.MaxDepth} choice points)");
        if (s.DeterminismChecks is { } checks)
            o.WriteLine($"determinism: {checks} runs replayed on a second machine, {s.NonDeterministic.Count} differed");
        o.WriteLine(s.ViolationsByProperty.Count == 0
            ? "violations: none"
            : $"violations: {string.Join(", ", s.ViolationsByProperty.Select(v => $"{v.Key} {v.Value}"))}");
        foreach (var v in s.Violations)
        {
            o.WriteLine($"  run {v.Run}, seed {v.Seed}, {v.Strategy}: {v.Message}");
            o.WriteLine($"  saved {v.File} ({v.Decisions} decisions)");
            o.WriteLine($"  replay: {v.Replay}   shrink: {v.Shrink}");
        }
        o.WriteLine($"seed {s.Seed}");
    }
}

/// <summary>explore --json (schemas/explore.schema.json).</summary>
public sealed record ExploreSummary(
    string Scenario, string Source, string Design, string Strategy, IReadOnlyList<string> Properties, ulong Seed,
    long Runs, double ElapsedSeconds, int DistinctOutcomes, IReadOnlyDictionary<string, long> ViolationsByProperty,
    IReadOnlyList<SavedViolation> Violations, ExhaustiveSummary? Exhaustive, long? DeterminismChecks,
    IReadOnlyList<string> NonDeterministic, string? Interrupted)
{
    /// <summary>Exhaustive search only (text output): whether the partial-order reduction was on.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool PartialOrderReduction { get; init; }
}

/// <summary>A violation explore kept, and the file it saved it to.</summary>
public sealed record SavedViolation(long Run, ulong Seed, string Strategy, string Property, string Message, int Decisions, string File,
    string Replay, string Shrink);

public sealed record ExhaustiveSummary(long Schedules, bool Complete, int MaxDepth);

/// <summary>A usage error found after parsing (e.g. an --out that cannot be written): exit 2.</summary>
public sealed class UsageException(string message) : Exception(message);
