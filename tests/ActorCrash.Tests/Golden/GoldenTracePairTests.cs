using Xunit;

namespace ActorCrash.Tests.Golden;

/// <summary>
/// The golden traces one (scenario, design) pair per test case, stopping at the first seed that
/// differs. Same fixture and digests as <see cref="GoldenTraceTests"/>; split so a mutation run
/// (mutation/README.md) runs only the pairs that execute a mutant and stops at its first effect.
/// ACTORCRASH_GOLDEN_SEEDS=N compares seeds 1..N only (a mutation run's budget; the full suite runs all).
/// </summary>
public class GoldenTracePairTests
{
    private static readonly Lazy<Dictionary<(string, string), GoldenTraces.Group>> Recorded = new(() =>
        GoldenTraces.Parse(File.ReadAllText(GoldenTraces.FixturePath())).ToDictionary(g => (g.Scenario, g.Design)));

    public static TheoryData<string, string> Pairs()
    {
        var data = new TheoryData<string, string>();
        foreach (var (s, d) in GoldenTraces.Pairs()) data.Add(s, d);
        return data;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Each_seed_of_the_pair_matches_its_golden_digest(string scenario, string design)
    {
        if (GoldenTraces.Regenerating) return; // GoldenTraceTests rewrites the fixture
        Assert.True(Recorded.Value.TryGetValue((scenario, design), out var want), $"{scenario} × {design}: not in the fixture");
        var (spec, rejected) = GoldenTraces.Load(scenario, design);
        Assert.Equal(want.Rejected is null ? "loads" : $"rejected ({want.Rejected})", rejected is null ? "loads" : $"rejected ({rejected})");
        if (spec is null) return;
        var last = ulong.TryParse(Environment.GetEnvironmentVariable("ACTORCRASH_GOLDEN_SEEDS"), out var n) ? n : GoldenTraces.LastSeed;
        using var expected = want.Seeds.GetEnumerator();
        foreach (var got in GoldenTraces.Runs(spec))
        {
            if (got.Seed > last) return;
            Assert.True(expected.MoveNext(), $"{scenario} × {design}: seed {got.Seed} is not in the fixture");
            Assert.Equal($"seed {expected.Current.Seed}: {expected.Current.Outcome} {expected.Current.Sha}", $"seed {got.Seed}: {got.Outcome} {got.Sha}");
        }
        Assert.False(expected.MoveNext(), $"{scenario} × {design}: the fixture has more seeds than {GoldenTraces.LastSeed}");
    }
}
