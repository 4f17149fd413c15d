using ActorCrash.Cluster;
using ActorCrash.Experiments;
using Xunit;

namespace ActorCrash.Tests.Cluster;

public sealed class BatchesTests
{
    private static List<WorkUnit> Plan(int pairs, int seeds, int batch)
    {
        var units = new List<WorkUnit>();
        for (var p = 0; p < pairs; p++)
            for (var first = 1; first <= seeds; first += batch)
                units.Add(new WorkUnit("d", "design", $"cell{p}", (ulong)first, Math.Min(batch, seeds - first + 1)));
        return units;
    }

    private static IEnumerable<(string Cell, ulong Seed)> Seeds(IEnumerable<WorkUnit> units) =>
        units.SelectMany(u => Enumerable.Range(0, u.Count).Select(i => (u.Cell, u.FirstSeed + (ulong)i)));

    [Fact]
    public void The_tail_is_cut_finer_and_every_seed_stays_once_in_plan_order()
    {
        var units = Plan(pairs: 10, seeds: 1000, batch: 250);
        var tapered = Batches.Tapered(units, 250);
        Assert.Equal(Seeds(units), Seeds(tapered));  // the same seeds, in the same order, none twice
        Assert.Equal(units.Take(units.Count - Batches.TailBatches), tapered.Take(units.Count - Batches.TailBatches));
        var tail = tapered.Skip(units.Count - Batches.TailBatches).ToList();
        Assert.Equal(Batches.TailBatches * 250, tail.Sum(u => u.Count));
        Assert.All(tail, u => Assert.InRange(u.Count, 1, 250 / Batches.TailSplit));
        Assert.True(tail.Count > Batches.TailBatches * (Batches.TailSplit - 1));
    }

    [Fact]
    public void A_campaign_smaller_than_the_tail_is_all_small_batches_and_tiny_batches_are_kept()
    {
        var units = Plan(pairs: 2, seeds: 100, batch: 250);
        var tapered = Batches.Tapered(units, 250);
        Assert.Equal(Seeds(units), Seeds(tapered));
        Assert.All(tapered, u => Assert.True(u.Count <= 250 / Batches.TailSplit));
        var one = Plan(pairs: 3, seeds: 5, batch: 4);
        Assert.Equal(one, Batches.Tapered(one, 4));  // batches this small are kept as they are
        Assert.Empty(Batches.Tapered([], 250));
    }
}
