using ActorCrash.Experiments;
namespace ActorCrash.Cluster;

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
