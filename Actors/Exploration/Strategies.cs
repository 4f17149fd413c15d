using ActorCrash.Actors.Runtime;

namespace ActorCrash.Actors.Exploration;

/// <summary>
/// How `explore` tunes a strategy: PCT's depth d (<c>--depth</c>; the portfolio's PCT members keep
/// d = 3 and 5 unless it is given) and whether exhaustive search prunes commuting deliveries
/// (<c>--no-por</c> turns the partial-order reduction off).
/// </summary>
public sealed record StrategyOptions(int? Depth = null, bool PartialOrderReduction = true)
{
    public static readonly StrategyOptions Default = new();
}

/// <summary>The exploration strategies by the name `explore --strategy` takes.</summary>
public static class Strategies
{
    public const string Default = "portfolio";

    public static IReadOnlyList<string> Names { get; } = ["portfolio", "random", "pct", "delay-bounding", "exhaustive"];

    /// <summary>A fresh strategy. portfolio = random, pct (d = 3), delay-bounding (2 delays), pct (d = 5), by run seed.</summary>
    public static ISchedulingStrategy Create(string name, StrategyOptions? options = null)
    {
        var o = options ?? StrategyOptions.Default;
        return name switch
        {
            "random" => new RandomWalkStrategy(),
            "pct" => new PctStrategy(depth: o.Depth ?? 3),
            "delay-bounding" => new DelayBoundingStrategy(delays: 2),
            "exhaustive" => new ExhaustiveStrategy(o.PartialOrderReduction),
            "portfolio" => new PortfolioStrategy([new RandomWalkStrategy(), new PctStrategy(depth: o.Depth ?? 3), new DelayBoundingStrategy(delays: 2), new PctStrategy(depth: o.Depth ?? 5)]),
            _ => throw new ArgumentException($"unknown strategy \"{name}\"; known: {string.Join(", ", Names)}"),
        };
    }

    /// <summary>
    /// Tells each exploration strategy (also inside a portfolio) how long a run of the scenario is:
    /// one run of <paramref name="machine"/> under the strategy's <see cref="ExplorationStrategy.CalibrationStrategy"/>
    /// with the scenario's own seed (the runtime's default random strategy; delay-bounding's own
    /// schedule without delays). A function of the scenario alone, so every explorer (every worker)
    /// of it computes the same k and a run's choices depend only on (scenario, seed).
    /// </summary>
    public static void Calibrate(ISchedulingStrategy s, Machine machine)
    {
        var cache = new Dictionary<string, (long Steps, int Choices)>();
        foreach (var m in s is PortfolioStrategy p ? p.Members : s is ExplorationStrategy e ? [e] : [])
        {
            if (m.CalibrationStrategy is not { } calibration) continue;
            if (!cache.TryGetValue(calibration.Name, out var k))
            {
                var summary = machine.Run(machine.Spec.Seed, calibration);
                cache[calibration.Name] = k = (summary.Steps, machine.Runtime.Decisions.Count);
            }
            m.Calibrate(k.Steps, k.Choices);
        }
    }

    /// <summary>The name of the strategy that made the last run's choices ("portfolio/pct" for a portfolio member).</summary>
    public static string RunName(ISchedulingStrategy s) => s is PortfolioStrategy p ? $"{p.Name}/{p.Current.Name}" : s.Name;
}
