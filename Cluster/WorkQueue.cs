using ActorCrash.Experiments;
namespace ActorCrash.Cluster;

/// <summary>How the coordinator cuts a campaign's pending seeds into batches.</summary>
public static class Batches
{
    /// <summary>Batches' worth of seeds at the end of a campaign that are cut finer.</summary>
    public const int TailBatches = 4;

    /// <summary>How much smaller a tail batch is than a full one.</summary>
    public const int TailSplit = 8;

    /// <summary>
    /// The units in the same order with the last <see cref="TailBatches"/> × <paramref name="batchSize"/>
    /// seeds cut into units of batchSize / <see cref="TailSplit"/>: a worker that holds the last full
    /// batches (one running, the next prefetched) while the others have nothing left keeps the campaign
    /// waiting for up to two batches of one core; small tail batches spread that end over every worker.
    /// The seeds are the same, so the rows are: only the cut differs.
    /// </summary>
    public static IReadOnlyList<WorkUnit> Tapered(IReadOnlyList<WorkUnit> units, int batchSize)
    {
        if (batchSize < 2 * TailSplit) return units;  // batches this small are fine-grained already
        var small = batchSize / TailSplit;
        var tail = (long)TailBatches * batchSize;
        var start = units.Count;
        for (long seeds = 0; start > 0 && seeds < tail; ) seeds += units[--start].Count;
        var result = new List<WorkUnit>(units.Count + TailBatches * TailSplit);
        for (var i = 0; i < start; i++) result.Add(units[i]);
        for (var i = start; i < units.Count; i++)
        {
            var u = units[i];
            for (var first = 0; first < u.Count; first += small)
                result.Add(u with { FirstSeed = u.FirstSeed + (ulong)first, Count = Math.Min(small, u.Count - first) });
        }
        return result;
    }
}

/// <summary>
/// The coordinator's bookkeeping, as a pure state machine (no actors, no clock): batches waiting,
/// batches out on a worker, batches done. A worker lost puts its batches back at the front; a batch
/// that comes back twice (from a worker thought lost, and from the one it was given to next) is
/// done once.
/// </summary>
public sealed class WorkQueue<TWorker> where TWorker : notnull
{
    private readonly LinkedList<long> _waiting = new();
    private readonly Dictionary<long, WorkUnit> _units = new();
    private readonly Dictionary<long, TWorker> _out = new();
    private readonly HashSet<long> _done = new();

    public WorkQueue(IEnumerable<WorkUnit> units)
    {
        long id = 0;
        foreach (var u in units)
        {
            _units[++id] = u;
            _waiting.AddLast(id);
        }
    }

    public int Total => _units.Count;
    public int Done => _done.Count;
    public int Waiting => _waiting.Count;
    public int InFlight => _out.Count;
    public bool Finished => _done.Count == _units.Count;

    /// <summary>The next waiting batch, now out on <paramref name="worker"/>; null when none waits.</summary>
    public (long Batch, WorkUnit Unit)? Take(TWorker worker)
    {
        if (_waiting.First is not { } first) return null;
        _waiting.RemoveFirst();
        _out[first.Value] = worker;
        return (first.Value, _units[first.Value]);
    }

    /// <summary>Mark a batch done; false when it already was (its rows must not be counted again) or is unknown.</summary>
    public bool Complete(long batch)
    {
        if (!_units.ContainsKey(batch) || !_done.Add(batch)) return false;
        if (_out.Remove(batch)) return true;
        _waiting.Remove(batch);  // it came back from a worker it had been taken from
        return true;
    }

    /// <summary>Put back, at the front, every batch out on <paramref name="worker"/>; returns how many.</summary>
    public int Lost(TWorker worker)
    {
        var lost = _out.Where(kv => EqualityComparer<TWorker>.Default.Equals(kv.Value, worker)).Select(kv => kv.Key).OrderByDescending(b => b).ToArray();
        foreach (var b in lost)
        {
            _out.Remove(b);
            _waiting.AddFirst(b);
        }
        return lost.Length;
    }

    public int OutOn(TWorker worker) => _out.Values.Count(w => EqualityComparer<TWorker>.Default.Equals(w, worker));
}
