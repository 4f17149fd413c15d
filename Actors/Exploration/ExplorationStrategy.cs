using ActorCrash.Actors.Runtime;
using ActorCrash.Hardware;

namespace ActorCrash.Actors.Exploration;

/// <summary>
/// The base every exploration strategy shares (after Coyote's): it counts the choice points of a run,
/// replays a recorded prefix of decisions first (reporting the first point where the run asks
/// something the prefix cannot answer) and only then delegates to the strategy's own choice. The
/// runtime records every answer in <see cref="MachineRuntime.Decisions"/>, so any run is replayed
/// from that list with <see cref="ReplayStrategy"/>.
/// Fault timings (<c>at = [min, max]</c>, <see cref="NextInRange"/>) are uniform random in every
/// randomised strategy: orders and latencies are what the strategies differ in.
/// </summary>
public abstract class ExplorationStrategy : ISchedulingStrategy, IRunIndexedStrategy
{
    private IReadOnlyList<long> _prefix = [];

    protected SimRandom Random { get; } = new(0);

    public abstract string Name { get; }

    /// <summary>Choice points asked in the current (or last) run.</summary>
    public int Step { get; private set; }

    /// <summary>Where the last run left the prefix because a recorded answer no longer fits, or null.</summary>
    public string? Divergence { get; private set; }

    /// <summary>Decisions replayed before the strategy's own choices, in the next runs.</summary>
    public IReadOnlyList<long> Prefix
    {
        get => _prefix;
        set => _prefix = value;
    }

    /// <summary>
    /// The number of choice points a run is expected to ask (PCT's k), from <see cref="Calibrate"/>:
    /// never learnt from earlier runs, so run i's choices depend only on (scenario, seed, i).
    /// </summary>
    protected int MaxStepsSeen { get; private set; }

    public void Calibrate(int steps) => MaxStepsSeen = steps;

    /// <summary>Run-index-free by default: the seed (the explorer's seed + i) is all a run depends on.</summary>
    public virtual void BeginRun(long run) { }

    public void Start(ulong seed)
    {
        Step = 0;
        Divergence = null;
        Random.Reseed(seed);
        OnStart(seed);
    }

    public int NextDelivery(ReadOnlySpan<Pending> candidates)
    {
        var step = Step++;
        if (FromPrefix(step, 0, candidates.Length - 1, out var d)) return (int)d;
        return ChooseDelivery(step, candidates);
    }

    public long NextInRange(long min, long max)
    {
        var step = Step++;
        return FromPrefix(step, min, max, out var d) ? d : ChooseInRange(step, min, max);
    }

    public long NextLatency(ActorId from, ActorId to, long min, long max)
    {
        var step = Step++;
        return FromPrefix(step, min, max, out var d) ? d : ChooseLatency(step, to, min, max);
    }

    private bool FromPrefix(int step, long min, long max, out long d)
    {
        d = 0;
        if (step >= _prefix.Count) return false;
        d = _prefix[step];
        if (d >= min && d <= max) return true;
        Divergence ??= $"decision {step}: recorded {d}, outside [{min}, {max}]";
        return false;
    }

    /// <summary>k: the number of choice points a run is expected to ask (the calibration, at least 64).</summary>
    protected int EstimatedSteps => Math.Max(64, MaxStepsSeen);

    /// <summary>Called at the start of each run, after the base has reseeded <see cref="Random"/>.</summary>
    protected virtual void OnStart(ulong seed) { }

    protected abstract int ChooseDelivery(int step, ReadOnlySpan<Pending> candidates);

    protected virtual long ChooseInRange(int step, long min, long max) => Random.Between(min, max);

    protected virtual long ChooseLatency(int step, ActorId to, long min, long max) => ChooseInRange(step, min, max);
}

/// <summary>Uniform random choices of order, latency and fault timing (the runtime's default, as an exploration strategy).</summary>
public sealed class RandomWalkStrategy : ExplorationStrategy
{
    public override string Name => "random";
    protected override int ChooseDelivery(int step, ReadOnlySpan<Pending> candidates) => (int)Random.Below((ulong)candidates.Length);
}

/// <summary>
/// Probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010) at
/// depth d, over actors: each actor gets a random initial priority ≥ d when first seen (as a receiver
/// of a due message); of the messages due at the same instant the one to the highest-priority
/// receiver goes first, and a latency choice gives a high-priority receiver a short latency and a
/// low-priority one a long latency. At d−1 change points, drawn uniformly over the estimated number
/// of choice points (the largest seen so far), the receiver of that step drops to priority i (1..d−1).
/// Messages due at once to the same receiver (same priority) are ordered at random.
/// </summary>
public sealed class PctStrategy(int depth = 3) : ExplorationStrategy
{
    private const long PrioritySpan = 1 << 20;
    private long[] _priority = new long[16];   // 0 = not seen yet in this run
    private int[] _changePoints = [];

    public int Depth => depth;
    public override string Name => "pct";

    protected override void OnStart(ulong seed)
    {
        Array.Clear(_priority);
        if (_changePoints.Length != depth - 1) _changePoints = new int[Math.Max(0, depth - 1)];
        for (var i = 0; i < _changePoints.Length; i++) _changePoints[i] = (int)Random.Below((ulong)EstimatedSteps);
    }

    protected override int ChooseDelivery(int step, ReadOnlySpan<Pending> candidates)
    {
        var best = Highest(candidates);
        if (ChangePoint(step) is var level and > 0)
        {
            _priority[candidates[best].To.Index] = level;
            best = Highest(candidates);
        }
        return best;
    }

    protected override long ChooseLatency(int step, ActorId to, long min, long max)
    {
        var p = Priority(to.Index);
        if (ChangePoint(step) is var level and > 0) _priority[to.Index] = p = level;
        // priority depth + PrioritySpan → min latency; a lowered priority (< depth) → close to max.
        var top = depth + PrioritySpan;
        return min + (long)((double)(max - min) * (top - p) / top);
    }

    /// <summary>The candidate whose receiver has the highest priority; several to that receiver: one at random.</summary>
    private int Highest(ReadOnlySpan<Pending> candidates)
    {
        var best = 0;
        var bestPriority = long.MinValue;
        var ties = 0;
        for (var i = 0; i < candidates.Length; i++)
        {
            var p = Priority(candidates[i].To.Index);
            if (p > bestPriority)
            {
                best = i;
                bestPriority = p;
                ties = 1;
            }
            else if (p == bestPriority && Random.Below((ulong)++ties) == 0)
                best = i;  // reservoir sampling over the messages to the same receiver
        }
        return best;
    }

    private long Priority(int actor)
    {
        if (actor >= _priority.Length) Array.Resize(ref _priority, Math.Max(actor + 1, _priority.Length * 2));
        if (_priority[actor] == 0) _priority[actor] = depth + (long)Random.Below(PrioritySpan);
        return _priority[actor];
    }

    /// <summary>The level (1..d−1) if <paramref name="step"/> is a change point, else 0.</summary>
    private int ChangePoint(int step)
    {
        for (var i = 0; i < _changePoints.Length; i++)
            if (_changePoints[i] == step) return i + 1;
        return 0;
    }
}

/// <summary>
/// Randomised delay bounding (Emmi, Qadeer, Rakamarić, POPL 2011): a deterministic scheduler —
/// the earliest-sent due message first, every latency at its minimum — deviated from at most
/// <c>delays</c> times, at choice points drawn uniformly over the estimated number of choice points.
/// A delay postpones the first due message (another one goes first) or gives a message its maximum
/// latency.
/// </summary>
public sealed class DelayBoundingStrategy(int delays = 2) : ExplorationStrategy
{
    private int[] _delayPoints = [];

    public override string Name => "delay-bounding";

    protected override void OnStart(ulong seed)
    {
        if (_delayPoints.Length != delays) _delayPoints = new int[delays];
        for (var i = 0; i < delays; i++) _delayPoints[i] = (int)Random.Below((ulong)EstimatedSteps);
    }

    protected override int ChooseDelivery(int step, ReadOnlySpan<Pending> candidates) =>
        IsDelay(step) ? 1 + (int)Random.Below((ulong)candidates.Length - 1) : 0;

    protected override long ChooseLatency(int step, ActorId to, long min, long max) => IsDelay(step) ? max : min;

    private bool IsDelay(int step) => Array.IndexOf(_delayPoints, step) >= 0;
}

/// <summary>
/// Rotates its members by run index: run i uses member i mod n (the default strategy of `explore`).
/// The index is the explorer's (<see cref="BeginRun"/>); without it, runs are counted from 0.
/// </summary>
public sealed class PortfolioStrategy(IReadOnlyList<ExplorationStrategy> members) : ISchedulingStrategy, IRunIndexedStrategy
{
    private long _run = -1;
    private long? _next;

    public string Name => "portfolio";
    public ExplorationStrategy Current => members[(int)(Math.Max(0, _run) % members.Count)];

    public void Calibrate(int steps)
    {
        foreach (var m in members) m.Calibrate(steps);
    }

    public void BeginRun(long run) => _next = run;

    public void Start(ulong seed)
    {
        _run = _next ?? _run + 1;
        _next = null;
        Current.BeginRun(_run);
        Current.Start(seed);
    }

    public int NextDelivery(ReadOnlySpan<Pending> candidates) => Current.NextDelivery(candidates);
    public long NextInRange(long min, long max) => Current.NextInRange(min, max);
    public long NextLatency(ActorId from, ActorId to, long min, long max) => Current.NextLatency(from, to, min, max);
}
