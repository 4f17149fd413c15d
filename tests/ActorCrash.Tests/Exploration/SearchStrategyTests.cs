using ActorCrash.Actors;
using ActorCrash.Actors.Exploration;
using ActorCrash.Cli.Bench;
using ActorCrash.Config;
using Xunit;

namespace ActorCrash.Tests.Exploration;

/// <summary>
/// Issue 14 items 2 and 3: every randomised strategy reaches the stoprace8 bug within 2× Coyote's
/// schedules (median of 10 fixed base seeds: deterministic, counted in runs, never timed); a run's
/// choices depend only on (scenario, seed); exhaustive search reaches the race-logbuf-wedge timing
/// and proves the fixed designs, with fewer schedules under partial-order reduction.
/// </summary>
public class SearchStrategyTests
{
    [Theory]
    [InlineData("random", 24)]           // 2 × Coyote's 12; 13.5 when written
    [InlineData("portfolio", 23)]        // 2 × 11.5; 11
    [InlineData("pct", 33)]              // 2 × 16.5 (Coyote's prioritization); 23.5
    [InlineData("delay-bounding", 282)]  // 2 × 141; 26
    public void Every_strategy_reaches_the_stoprace8_bug_within_twice_coyotes_schedules(string strategy, double limit)
    {
        var runs = FirstBug.Runs(FirstBug.Stoprace8(), strategy, seeds: 10, budget: 5_000);
        var median = FirstBug.Median(runs);
        Assert.True(median is { } m && m <= limit,
            $"{strategy}: median {median?.ToString() ?? "not found"} > {limit}; runs [{string.Join(",", runs)}]");
    }

    [Theory]
    [InlineData("random")]
    [InlineData("pct")]
    [InlineData("delay-bounding")]
    [InlineData("portfolio")]
    public void A_runs_choices_depend_only_on_its_seed_not_on_earlier_runs(string strategy)
    {
        var spec = FirstBug.Stoprace8();
        using var campaign = new Explorer(spec, strategy, []);
        campaign.Explore(100, r => r < 7, keepGoing: true);
        var seventh = campaign.Machine.Runtime.Decisions.ToArray();   // run 6: seed 106, after six others
        using var alone = new Explorer(spec, strategy, []);
        alone.Explore(106, r => r < 1);
        Assert.Equal(seventh, alone.Machine.Runtime.Decisions.ToArray());
    }

    [Fact]
    public void Pct_depth_is_the_number_of_priority_levels()
    {
        var s = (PctStrategy)Strategies.Create("pct", new StrategyOptions(Depth: 7));
        Assert.Equal(7, s.Depth);
        var portfolio = (PortfolioStrategy)Strategies.Create("portfolio", new StrategyOptions(Depth: 2));
        Assert.All(portfolio.Members.OfType<PctStrategy>(), p => Assert.Equal(2, p.Depth));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Exhaustive_search_finds_the_logbuf_wedge_race_and_the_violation_replays(bool por)
    {
        var spec = ScenarioLoader.BuiltIn("race-logbuf-wedge");
        using var explorer = new Explorer(spec, "exhaustive", Properties.For([PropertyNames.NoLockHeldByStopped]),
            options: new StrategyOptions(PartialOrderReduction: por));
        var report = explorer.Explore(1, r => r < 5_000);   // 34 runs when written (no violation in 396 k schedules at the range ends only)
        var v = Assert.Single(report.Violations);
        var replayed = Replayer.Replay(spec, v);
        Assert.True(replayed.Violated);
        Assert.Equal(v.TraceSha256, replayed.TraceSha256);
        var held = Assert.Single(replayed.Result.LocksHeld, l => l.Lock == "logbuf_lock");
        Assert.Equal((2, "Wedged"), (held.Cpu, held.HolderFate));
    }

    [Fact]
    public void Partial_order_reduction_proves_the_same_absence_with_fewer_schedules()
    {
        var spec = ExhaustiveCases.Small("linux-3.12", 2, ExhaustiveCases.TwoPanics);
        (bool Complete, long Schedules, int Violations) Search(bool por)
        {
            using var explorer = new Explorer(spec, "exhaustive", Properties.For(ExhaustiveCases.MustHold), options: new StrategyOptions(PartialOrderReduction: por));
            var report = explorer.Explore(1, r => r < 100_000, keepGoing: true);
            return (report.Complete, ((ExhaustiveStrategy)explorer.Strategy).Explored, report.Violations.Count);
        }
        var with = Search(true);     // 3,008 schedules when written
        var without = Search(false); // 3,240
        Assert.True(with.Complete && without.Complete);
        Assert.Equal((0, 0), (with.Violations, without.Violations));
        Assert.True(with.Schedules < without.Schedules, $"{with.Schedules} with the reduction, {without.Schedules} without");
    }

    [Fact]
    public void Exhaustive_search_with_and_without_reduction_finds_k1_on_two_cpus_under_2638()
    {
        foreach (var por in new[] { true, false })
        {
            using var explorer = new Explorer(ExhaustiveCases.Small("linux-2.6.38", 2, ExhaustiveCases.TwoPanics), "exhaustive",
                Properties.For([PropertyNames.NoHang]), options: new StrategyOptions(PartialOrderReduction: por));
            Assert.NotEmpty(explorer.Explore(1, r => r < 20_000).Violations);
        }
    }

    [Fact]
    public void A_trigger_time_range_is_tried_around_the_deliveries_to_its_cpu_not_only_at_its_ends()
    {
        var spec = ScenarioLoader.BuiltIn("race-logbuf-wedge");
        var machine = new Machine(spec);
        var dfs = new ExhaustiveStrategy();
        var wedgeTimes = new SortedSet<long>();
        do
        {
            machine.Run(1, dfs);
            wedgeTimes.Add(machine.Runtime.Decisions[0]);
        } while (dfs.Advance() && dfs.Runs < 2_000);
        Assert.Contains(0L, wedgeTimes);
        Assert.Contains(20_000_000L, wedgeTimes);
        Assert.Contains(wedgeTimes, t => t is > 10_000_000 and < 10_020_000);   // inside CPU 2's printk at 10 ms (20 us under logbuf_lock)
    }
}
