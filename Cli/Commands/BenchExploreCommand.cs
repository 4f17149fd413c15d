using System.ComponentModel;
using System.Diagnostics;
using ActorCrash.Actors.Exploration;
using ActorCrash.Config;
using ActorCrash.Cli.Bench;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ActorCrash.Cli.Commands;

public sealed class BenchExploreSettings : MeasurementSettings
{
    [CommandOption("--cpus <LIST>")]
    [Description("CPU counts of the default scenario to measure. Default: 4,8,64.")]
    public string Cpus { get; init; } = "4,8,64";

    [CommandOption("--strategies <LIST>")]
    [Description("Strategies to measure. Default: random,pct.")]
    public string Strategies { get; init; } = "random,pct";

    [CommandOption("--repeats <N>")]
    [Description("Measurements per configuration; the median is reported. Default: 5.")]
    public int Repeats { get; init; } = 5;

    [CommandOption("--find-budget <N>")]
    [Description("Runs allowed to find each race scenario's bug. Default: 200000.")]
    public long FindBudget { get; init; } = 200_000;

    [CommandOption("--find-seeds <N>")]
    [Description("Base seeds per race scenario and strategy; the median runs-to-find is reported. Default: 5.")]
    public int FindSeeds { get; init; } = 5;

    [CommandOption("--first-bug-seeds <N>")]
    [Description("Base seeds for schedules-to-first-bug on stoprace8 (median reported, against Coyote's). Default: 10.")]
    public int FirstBugSeeds { get; init; } = 10;

    [CommandOption("--only <PART>")]
    [Description("Measure one part only: cores (stoprace8 on 1 core and on N), speed, find, first-bug (stoprace8) or exhaustive (with and without partial-order reduction).")]
    public string? Only { get; init; }

    [CommandOption("--exhaustive-case <NAME>")]
    [Description("With --only exhaustive: one case only (e.g. race-logbuf-wedge).")]
    public string? ExhaustiveCase { get; init; }

    [CommandOption("--ties-cpus <N>")]
    [Description("CPU count at which delay-bounding (every fan-out ties) is measured against random; 0 skips it. Default: 512.")]
    public int TiesCpus { get; init; } = 512;

    [CommandOption("--cores <N>")]
    [Description("Cores of the core-scaling measurement (stoprace8 on 1 core and on N, side by side). Default: all; 0 skips it.")]
    public int? Cores { get; init; }

    [CommandOption("--pairs <N>")]
    [Description("Core scaling: measured pairs of a 1-core and an N-core sample per strategy, alternating which goes first (--time: a 1-core sample's length). Default: 15.")]
    public int Pairs { get; init; } = Bench.CoreScaling.DefaultPairs;

    public override ValidationResult Validate()
    {
        if (Only is not null && Only is not ("cores" or "speed" or "find" or "first-bug" or "exhaustive"))
            return ValidationResult.Error("--only takes cores, speed, find, first-bug or exhaustive");
        if (FirstBugSeeds < 1) return ValidationResult.Error("--first-bug-seeds must be at least 1");
        if (TiesCpus is < 0 or 1 or > 4096) return ValidationResult.Error("--ties-cpus takes a CPU count from 2 to 4096, or 0");
        if (Cores is < 0) return ValidationResult.Error($"--cores: expected an integer of at least 0, got {Cores}");
        if (Pairs < 1) return ValidationResult.Error($"--pairs: expected an integer of at least 1, got {Pairs}");
        if (Repeats < 1 || FindSeeds < 1) return ValidationResult.Error("--repeats and --find-seeds must be at least 1");
        if (ValidateTime() is { Successful: false } time) return time;
        if (!Cpus.Split(',').All(c => int.TryParse(c, out var n) && n is >= 2 and <= 4096))
            return ValidationResult.Error("--cpus takes CPU counts from 2 to 4096, comma-separated");
        if (Strategies.Split(',').FirstOrDefault(s => !Actors.Exploration.Strategies.Names.Contains(s)) is { } bad)
            return ValidationResult.Error($"--strategies: unknown strategy \"{bad}\"");
        return ValidationResult.Success();
    }
}

/// <summary>
/// `actorcrash bench-explore`: the explore loop's runs/s per strategy and CPU count on the default
/// scenario (checking no-hang on every run, median of several measurements after a ≥ 1 s warm-up),
/// then how many runs each strategy needs to find the bug of each race scenario.
/// </summary>
public sealed class BenchExploreCommand : Command<BenchExploreSettings>
{
    /// <summary>The race scenarios of issue 5 and the property each one's bug breaks.</summary>
    public static readonly (string Scenario, string Property)[] Races =
    [
        ("race-two-panics", PropertyNames.NoHang),
        ("race-logbuf-wedge", PropertyNames.NoLockHeldByStopped),
        ("race-dumper-blocks-kdump", PropertyNames.Vmcore),
    ];

    public override int Execute(CommandContext context, BenchExploreSettings settings, CancellationToken cancellation)
    {
        bool Part(string name) => settings.Only is null || settings.Only == name;
        if (Part("cores") && (settings.Cores ?? ParallelExplorer.DefaultCores) is var cores and > 0)
            Bench.CoreScaling.Measure(Bench.CoreScaling.DefaultStrategies, cores, settings.Pairs, settings.Seconds, Console.Out);
        var baseSpec = ScenarioLoader.Default();
        var noHang = Properties.For([PropertyNames.NoHang]);
        foreach (var strategy in Part("speed") ? settings.Strategies.Split(',') : [])
            foreach (var n in settings.Cpus.Split(',').Select(int.Parse))
            {
                var explorer = new Explorer(BenchCommand.WithCpus(baseSpec, n), strategy, noHang);
                var (median, min, max) = Measure(explorer, settings.Repeats, settings.Seconds);
                Console.WriteLine($"strategy={strategy} cpus={n} runs_per_s={median:F0} (min {min:F0}, max {max:F0}, median of {settings.Repeats})");
            }
        if (Part("speed") && settings.TiesCpus > 0) TieCost(BenchCommand.WithCpus(baseSpec, settings.TiesCpus), settings, noHang);
        if (Part("first-bug")) FirstBugs(settings);
        if (Part("exhaustive")) ExhaustiveCounts(settings.ExhaustiveCase);
        foreach (var (scenario, property) in Part("find") ? Races : [])
            foreach (var strategy in settings.Strategies.Split(',').Append("portfolio").Distinct())
            {
                var spec = ScenarioLoader.BuiltIn(scenario);
                var runs = new List<long>();
                for (var s = 0; s < settings.FindSeeds; s++)
                {
                    var explorer = new Explorer(spec, strategy, Properties.For([property]));
                    var report = explorer.Explore((ulong)s * 1_000_003 + 1, r => r < settings.FindBudget);
                    runs.Add(report.Violations.Count > 0 ? report.Runs : -1);
                }
                var found = runs.Where(r => r > 0).Order().ToList();
                var median = found.Count > settings.FindSeeds / 2 ? $"{runs.Select(r => r < 0 ? long.MaxValue : r).Order().ElementAt(settings.FindSeeds / 2)}" : "not found";
                Console.WriteLine($"find scenario={scenario} property={property} strategy={strategy} median_runs={median} " +
                    $"found={found.Count}/{settings.FindSeeds} runs=[{string.Join(",", runs.Select(r => r < 0 ? $">{settings.FindBudget}" : $"{r}"))}]");
            }
        return (int)ExitCode.Ok;
    }

    /// <summary>Schedules to the first bug on stoprace8 per strategy, median over the base seeds, against Coyote's.</summary>
    private static void FirstBugs(BenchExploreSettings settings)
    {
        var spec = FirstBug.Stoprace8();
        foreach (var (strategy, coyote) in FirstBug.CoyoteStoprace8)
        {
            var runs = FirstBug.Runs(spec, strategy, settings.FirstBugSeeds, settings.FindBudget);
            var median = FirstBug.Median(runs);
            Console.WriteLine($"first-bug scenario=stoprace8 strategy={strategy} median_schedules={(median is { } m ? $"{m:0.#}" : "not found")} " +
                $"coyote={coyote:0.#} ratio={(median is { } r ? $"{r / coyote:F2}" : "-")} seeds={settings.FirstBugSeeds} " +
                $"runs=[{string.Join(",", runs.Select(r => r?.ToString() ?? $">{settings.FindBudget}"))}]");
        }
    }

    /// <summary>Exhaustive search with and without partial-order reduction: schedules, verdict, complete or not.</summary>
    private static void ExhaustiveCounts(string? only)
    {
        foreach (var (name, spec, properties, budget) in ExhaustiveCases.All(only))
            foreach (var por in new[] { true, false })
            {
                using var explorer = new Explorer(spec, "exhaustive", Properties.For(properties), options: new StrategyOptions(PartialOrderReduction: por));
                var sw = Stopwatch.StartNew();
                var report = explorer.Explore(1, r => r < budget);
                var ex = (ExhaustiveStrategy)explorer.Strategy;
                Console.WriteLine($"exhaustive case={name} por={(por ? "on" : "off")} schedules={ex.Explored} complete={(report.Complete ? "yes" : "no")} " +
                    $"violation={(report.Violations.Count > 0 ? $"run {report.Violations[0].Run}" : "none")} runs={ex.Runs} sleep_set_pruned={ex.Pruned} level={ex.Level} seconds={sw.Elapsed.TotalSeconds:F2}");
            }
    }

    /// <summary>
    /// Delay-bounding against random on a big machine: delay-bounding gives every fan-out message the
    /// same minimum latency, so a stop IPI to N CPUs is a tie group of N; its runs/s show what the
    /// runtime's tie handling costs. The ratio is random's runs/s over delay-bounding's (1 = as fast).
    /// </summary>
    private static void TieCost(ScenarioSpec spec, BenchExploreSettings settings, IReadOnlyList<Property> noHang)
    {
        var n = spec.Machine.CpuCount;
        var random = Measure(new Explorer(spec, "random", noHang), settings.Repeats, settings.Seconds).Median;
        var delay = Measure(new Explorer(spec, "delay-bounding", noHang), settings.Repeats, settings.Seconds).Median;
        Console.WriteLine($"ties cpus={n} random_runs_per_s={random:F0} delay_bounding_runs_per_s={delay:F0} random_over_delay_bounding={random / delay:F2} (median of {settings.Repeats})");
    }

    private static (double Median, double Min, double Max) Measure(Explorer explorer, int repeats, double seconds)
    {
        ulong seed = 1;
        var warm = Stopwatch.StartNew();
        var report = new ExploreReport();
        while (warm.Elapsed.TotalSeconds < Math.Max(1, seconds))
            explorer.Explore(seed, r => (r & 1023) != 0 || warm.Elapsed.TotalSeconds < Math.Max(1, seconds), keepGoing: true, report: report);
        var samples = new List<double>();
        for (var i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            var start = report.Runs;
            explorer.Explore(seed, r => (r & 1023) != 0 || sw.Elapsed.TotalSeconds < seconds, keepGoing: true, report: report);
            samples.Add((report.Runs - start) / sw.Elapsed.TotalSeconds);
        }
        samples.Sort();
        return (samples[samples.Count / 2], samples[0], samples[^1]);
    }
}
