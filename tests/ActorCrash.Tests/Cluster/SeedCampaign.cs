using System.Collections.Concurrent;
using ActorCrash.Actors;
using ActorCrash.Cluster;
using ActorCrash.Config;

namespace ActorCrash.Tests.Cluster;

/// <summary>
/// A campaign for the cluster's own tests, independent of the experiments project: one scenario text,
/// some designs, seeds 1..N; a row is (design, seed, outcome, end time, steps); the store is a
/// dictionary keyed like the experiments' store, counting writes that found their key taken.
/// </summary>
public sealed class SeedCampaign(string scenarioText, IReadOnlyList<string> designs, int seeds) : ICampaign
{
    public readonly ConcurrentDictionary<(string Design, string Cell, ulong Seed), string> Rows = new();
    public int DuplicateRows;
    public int Stores;

    public string Experiment => "seedcampaign-" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Text)))[..12].ToLowerInvariant();
    public string Title => "seed campaign";
    public string Text => scenarioText;
    public long TotalRuns => (long)designs.Count * seeds;

    public IReadOnlyList<WorkUnit> Pending(int batchSize)
    {
        var units = new List<WorkUnit>();
        foreach (var d in designs)
        {
            for (ulong first = 1; first <= (ulong)seeds; first += (ulong)batchSize)
            {
                var count = (int)Math.Min((ulong)batchSize, (ulong)seeds - first + 1);
                var todo = Enumerable.Range(0, count).Select(i => first + (ulong)i).Where(s => !Rows.ContainsKey((d, "baseline", s))).ToArray();
                // contiguous runs of seeds not yet stored
                for (var i = 0; i < todo.Length;)
                {
                    var j = i;
                    while (j + 1 < todo.Length && todo[j + 1] == todo[j] + 1) j++;
                    units.Add(new WorkUnit(Experiment, d, "baseline", todo[i], j - i + 1));
                    i = j + 1;
                }
            }
        }
        return units;
    }

    public void Store(WorkUnit unit, byte[] rows)
    {
        Interlocked.Increment(ref Stores);
        foreach (var line in System.Text.Encoding.UTF8.GetString(rows).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var seed = ulong.Parse(line[..line.IndexOf(' ')]);
            if (!Rows.TryAdd((unit.Design, unit.Cell, seed), line)) Interlocked.Increment(ref DuplicateRows);
        }
    }

    /// <summary>The rows a single process gives, for comparison.</summary>
    public static SortedDictionary<string, string> SingleProcess(string scenarioText, IReadOnlyList<string> designs, int seeds)
    {
        var table = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var d in designs)
        {
            var machine = new Machine(ScenarioLoader.LoadText(scenarioText + $"\ndesign = \"{d}\"\n", "test"));
            for (ulong s = 1; s <= (ulong)seeds; s++) table[$"{d}/baseline/{s}"] = SeedRunner.Row(machine.Run(s));
        }
        return table;
    }

    public SortedDictionary<string, string> Table() =>
        new(Rows.ToDictionary(kv => $"{kv.Key.Design}/{kv.Key.Cell}/{kv.Key.Seed}", kv => kv.Value), StringComparer.Ordinal);
}

/// <summary>Runs a <see cref="SeedCampaign"/> unit: the scenario text under the unit's design, its seeds split over threads.</summary>
public sealed class SeedRunner : IWorkRunner
{
    public int Units;

    /// <summary>Wall time added per batch, to keep a campaign running long enough to interrupt it.</summary>
    public int DelayMs { get; init; }

    public static string Row(RunSummary s) => $"{s.Seed} {s.Outcome} {s.EndTimeNs} {s.Steps}";

    public byte[] Run(string experimentText, WorkUnit unit, int parallelism)
    {
        Interlocked.Increment(ref Units);
        if (DelayMs > 0) Thread.Sleep(DelayMs);
        var spec = ScenarioLoader.LoadText(experimentText + $"\ndesign = \"{unit.Design}\"\n", "cluster");
        var rows = new string[unit.Count];
        var chunk = (unit.Count + parallelism - 1) / parallelism;
        Parallel.For(0, parallelism, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, p =>
        {
            var machine = new Machine(spec);
            for (var i = p * chunk; i < Math.Min(unit.Count, (p + 1) * chunk); i++) rows[i] = Row(machine.Run(unit.FirstSeed + (ulong)i));
        });
        return System.Text.Encoding.UTF8.GetBytes(string.Join("\n", rows) + "\n");
    }
}
