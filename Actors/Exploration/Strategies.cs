using ActorCrash.Actors.Runtime;

namespace ActorCrash.Actors.Exploration;

/// <summary>The exploration strategies by the name `explore --strategy` takes.</summary>
public static class Strategies
{
    public const string Default = "portfolio";

    public static IReadOnlyList<string> Names { get; } = ["portfolio", "random", "pct", "delay-bounding", "exhaustive"];

    /// <summary>A fresh strategy. portfolio = random, pct (d = 3), delay-bounding (2 delays), pct (d = 5), by run index.</summary>
    public static ISchedulingStrategy Create(string name) => name switch
    {
        "random" => new RandomWalkStrategy(),
        "pct" => new PctStrategy(depth: 3),
        "delay-bounding" => new DelayBoundingStrategy(delays: 2),
        "exhaustive" => new ExhaustiveStrategy(),
        "portfolio" => new PortfolioStrategy([new RandomWalkStrategy(), new PctStrategy(depth: 3), new DelayBoundingStrategy(delays: 2), new PctStrategy(depth: 5)]),
        _ => throw new ArgumentException($"unknown strategy \"{name}\"; known: {string.Join(", ", Names)}"),
    };

    /// <summary>The name of the strategy that made the last run's choices ("portfolio/pct" for a portfolio member).</summary>
    public static string RunName(ISchedulingStrategy s) => s is PortfolioStrategy p ? $"{p.Name}/{p.Current.Name}" : s.Name;
}
