using ActorCrash.Config.Experiments;
using ActorCrash.Experiments;
using Xunit;

namespace ActorCrash.Tests.Experiments;

/// <summary>The plan, the unit runner, the store and the Akka runner: rows depend only on the experiment and the seeds.</summary>
public sealed class StoreAndRunnerTests
{
    [Fact]
    public void Plan_cuts_every_pair_into_units_and_skips_what_is_done()
    {
        var e = ExperimentKit.Load(ExperimentKit.Tiny);
        var plan = new ExperimentPlan(e, new Seeds(1, 20));
        Assert.Equal(2 * 3 * 20, plan.TotalRuns);
        var units = plan.Units(7).ToList();
        Assert.Equal(2 * 3 * 3, units.Count); // 7 + 7 + 6 seeds per pair
        Assert.Equal(new WorkUnit(e.Digest, "linux-2.6.38", "baseline", 1, 7), units[0]);
        Assert.Equal(new WorkUnit(e.Digest, "linux-2.6.38", "baseline", 15, 6), units[2]);
        // Seeds 3 and 10 of the first pair done: the rest in runs of at most 7, around the holes.
        var resumed = plan.Units(7, (d, c, s) => d == "linux-2.6.38" && c == "baseline" && s is 3 or 10).Take(4).ToList();
        Assert.Equal([(1ul, 2), (4ul, 6), (11ul, 7), (18ul, 3)], resumed.Select(u => (u.FirstSeed, u.Count)));
    }

    [Fact]
    public void Rows_do_not_depend_on_the_batch_size_or_the_runner()
    {
        var e = ExperimentKit.Load(ExperimentKit.Tiny);
        var a = ExperimentKit.RunAll(e, batch: 1);
        var b = ExperimentKit.RunAll(e, batch: 50);
        Assert.Equal(a.OrderBy(Key), b.OrderBy(Key));

        var dir = ExperimentKit.TempDir();
        using var store = ResultStore.Open(Path.Combine(dir, "results.sqlite"));
        store.Bind(e.Digest, e.Title, "test");
        var status = ExperimentRunner.Run(new ExperimentPlan(e, new Seeds(1, 20)), store, new RunnerOptions(Workers: 3, BatchSize: 4), CancellationToken.None);
        Assert.Equal(RunStatus.Completed, status);
        Assert.Equal(a.OrderBy(Key), store.Rows(e.Digest).OrderBy(Key));
    }

    [Fact]
    public void Writing_a_row_twice_keeps_one()
    {
        var e = ExperimentKit.Load(ExperimentKit.Tiny);
        var rows = ExperimentKit.RunAll(e);
        var dir = ExperimentKit.TempDir();
        using var store = ResultStore.Open(Path.Combine(dir, "results.sqlite"));
        store.Bind(e.Digest, e.Title, "test");
        Assert.Equal(rows.Count, store.Write(rows));
        Assert.Equal(0, store.Write(rows.Take(10).ToList()));
        Assert.Equal(rows.Count, store.Count(e.Digest));
    }

    [Fact]
    public async Task A_reader_on_another_thread_sees_whole_batches_while_the_writer_commits()
    {
        // The cluster coordinator writes on its actor's thread while a caller polls Count: the
        // reads must wait for the commit, never run inside the writer's pending transaction.
        var e = ExperimentKit.Load(ExperimentKit.Tiny);
        var rows = ExperimentKit.RunAll(e);
        var dir = ExperimentKit.TempDir();
        using var store = ResultStore.Open(Path.Combine(dir, "results.sqlite"));
        store.Bind(e.Digest, e.Title, "test");
        const int batch = 3;
        var writer = Task.Run(() =>
        {
            for (var i = 0; i < rows.Count; i += batch) store.Write(rows.Skip(i).Take(batch).ToList());
        });
        var seen = new List<long>();
        while (!writer.IsCompleted) seen.Add(store.Count(e.Digest));
        await writer;
        Assert.All(seen, n => Assert.True(n % batch == 0 || n == rows.Count, $"saw {n} rows: part of a batch"));
        Assert.Equal(rows.Count, store.Count(e.Digest));
    }

    [Fact]
    public void A_store_of_another_experiment_is_refused()
    {
        var e = ExperimentKit.Load(ExperimentKit.Tiny);
        var changed = ExperimentKit.Load(ExperimentKit.Tiny.Replace("irqs = off", "irqs = on"));
        Assert.NotEqual(e.Digest, changed.Digest);
        var path = Path.Combine(ExperimentKit.TempDir(), "results.sqlite");
        using (var store = ResultStore.Open(path)) store.Bind(e.Digest, e.Title, "test");
        using var again = ResultStore.Open(path);
        var error = Assert.Throws<StoreMismatchException>(() => again.Bind(changed.Digest, changed.Title, "test"));
        Assert.Contains("another experiment", error.Message);
    }

    [Fact]
    public void A_unit_runs_from_the_experiment_text_alone()
    {
        var source = new ExperimentSource("tiny.hocon", ExperimentKit.Tiny);
        var e = ExperimentLoader.Load(source);
        var unit = new WorkUnit(e.Digest, "linux-6.x", "cpu-irqs-off", 5, 3);
        using UnitRunner loaded = new(), fromText = new();
        Assert.Equal(loaded.Run(e, unit), fromText.Run(source, unit));
    }

    private static (string, string, ulong) Key(ResultRow r) => (r.Design, r.Cell, r.Seed);
}
