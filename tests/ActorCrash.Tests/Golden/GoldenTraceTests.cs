using Xunit;

namespace ActorCrash.Tests.Golden;

/// <summary>
/// The guard: every shipped scenario × design × seed 1..200 still gives the recorded digest. With
/// ACTORCRASH_GOLDEN=regenerate it rewrites the fixture instead (and passes).
/// </summary>
public class GoldenTraceTests
{
    [Fact]
    public void Every_scenario_design_and_seed_matches_its_golden_digest()
    {
        var pairs = GoldenTraces.Pairs().ToArray();
        var computed = new GoldenTraces.Group[pairs.Length];
        Parallel.For(0, pairs.Length, i => computed[i] = GoldenTraces.Compute(pairs[i].Scenario, pairs[i].Design));

        var path = GoldenTraces.FixturePath();
        if (GoldenTraces.Regenerating)
        {
            File.WriteAllText(path, GoldenTraces.Format(computed));
            return;
        }
        Assert.True(File.Exists(path), $"no golden fixture at {path}; create it with ACTORCRASH_GOLDEN=regenerate");
        var recorded = GoldenTraces.Parse(File.ReadAllText(path)).ToDictionary(g => (g.Scenario, g.Design));
        var problems = new List<string>();
        foreach (var g in computed)
        {
            if (!recorded.TryGetValue((g.Scenario, g.Design), out var want))
            {
                problems.Add($"{g.Scenario} × {g.Design}: not in the fixture (a new scenario or design? regenerate)");
                continue;
            }
            if (g.Rejected is not null || want.Rejected is not null)
            {
                if ((g.Rejected is null) != (want.Rejected is null))
                    problems.Add($"{g.Scenario} × {g.Design}: recorded {(want.Rejected is null ? "loads" : $"rejected ({want.Rejected})")}, now {(g.Rejected is null ? "loads" : $"rejected ({g.Rejected})")}");
                continue;
            }
            if (g.Combined == want.Combined) continue;
            var first = g.Seeds.Zip(want.Seeds).FirstOrDefault(p => p.First != p.Second);
            problems.Add(first == default
                ? $"{g.Scenario} × {g.Design}: the seed list differs ({g.Seeds.Count} seeds, recorded {want.Seeds.Count})"
                : $"{g.Scenario} × {g.Design} seed {first.First.Seed}: {first.First.Outcome} {first.First.Sha}, recorded {first.Second.Outcome} {first.Second.Sha}");
        }
        foreach (var key in recorded.Keys.Except(computed.Select(g => (g.Scenario, g.Design))))
            problems.Add($"{key.Scenario} × {key.Design}: in the fixture but no longer shipped");
        Assert.True(problems.Count == 0,
            $"{problems.Count} of {computed.Length} (scenario, design) pairs differ from the golden traces; first differences:\n  "
            + string.Join("\n  ", problems.Take(20)));
    }

    [Fact]
    public void The_fixture_covers_every_pair_and_pinpoints_seeds()
    {
        var groups = GoldenTraces.Parse(File.ReadAllText(GoldenTraces.FixturePath()));
        Assert.Equal(GoldenTraces.Pairs().Count(), groups.Count);
        foreach (var g in groups.Where(g => g.Rejected is null))
            Assert.Equal(Enumerable.Range(1, 200).Select(i => (ulong)i), g.Seeds.Select(s => s.Seed));
    }
}
