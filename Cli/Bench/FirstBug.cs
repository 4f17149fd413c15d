using ActorCrash.Actors.Exploration;
using ActorCrash.Config;

namespace ActorCrash.Cli.Bench;

/// <summary>
/// Schedules to the first bug: how many runs a strategy needs before its first violation, for a
/// list of base seeds (run i of base seed b has seed b + i), and the median over them. Seeds are
/// spread (b = 1 + 1,000,003·s) so the campaigns of different base seeds share no run.
/// </summary>
public static class FirstBug
{
    /// <summary>
    /// stoprace8 (Cli/Bench/stoprace8.hocon, a copy of ../shared/bench/stoprace8.hocon): the
    /// 2.6.38 stop race, as the Coyote model issue 14 compares against. Coyote's medians over 10
    /// seeds, schedules to the first bug (issue 14): random 12, portfolio 11.5, prioritization (PCT) 16.5,
    /// delay-bounding 141.
    /// </summary>
    public static ScenarioSpec Stoprace8() => ScenarioLoader.LoadText(Resource("stoprace8"), "built-in:bench/stoprace8");

    public static readonly IReadOnlyDictionary<string, double> CoyoteStoprace8 = new Dictionary<string, double>
    {
        ["random"] = 12, ["portfolio"] = 11.5, ["pct"] = 16.5, ["delay-bounding"] = 141,
    };

    public static ulong BaseSeed(int s) => 1 + (ulong)s * 1_000_003;

    /// <summary>Runs to the first violation for each base seed (null: none within <paramref name="budget"/>).</summary>
    public static long?[] Runs(ScenarioSpec spec, string strategy, int seeds, long budget, StrategyOptions? options = null)
    {
        var runs = new long?[seeds];
        for (var s = 0; s < seeds; s++)
        {
            using var explorer = new Explorer(spec, strategy, options: options);
            var report = explorer.Explore(BaseSeed(s), r => r < budget);
            runs[s] = report.Violations.Count > 0 ? report.Runs : null;
        }
        return runs;
    }

    /// <summary>The median (the mean of the middle two for an even count); a run that found nothing counts as past every budget; null when over half found nothing.</summary>
    public static double? Median(IReadOnlyList<long?> runs)
    {
        var sorted = runs.Select(r => r ?? long.MaxValue).Order().ToArray();
        var n = sorted.Length;
        var hi = sorted[n / 2];
        var lo = sorted[(n - 1) / 2];
        return hi == long.MaxValue ? null : (lo + hi) / 2.0;
    }

    private static string Resource(string name)
    {
        using var stream = typeof(FirstBug).Assembly.GetManifestResourceStream($"bench/{name}.hocon")
            ?? throw new InvalidOperationException($"bench scenario {name} is not built into the CLI");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
