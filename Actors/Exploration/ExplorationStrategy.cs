using ActorCrash.Actors.Runtime;
using ActorCrash.Hardware;

namespace ActorCrash.Actors.Exploration;

/// <summary>
/// The base every exploration strategy shares (after Coyote's): it counts the choice points of a run,
/// replays a recorded prefix of decisions first (reporting the first point where the run asks
/// something the prefix cannot answer) and only then delegates to the strategy's own choice. The
/// runtime records every answer in <see cref="MachineRuntime.Decisions"/>, so any run is replayed
/// from that list with <see cref="ReplayStrategy"/>.
/// A run's choices depend only on (scenario, seed): nothing is carried over from earlier runs. What
/// a strategy needs to know about the scenario (PCT's k, the steps of a run) comes from
/// <see cref="Calibrate"/>, one fixed run that every explorer of the scenario makes alike.
/// </summary>
public abstract class ExplorationStrategy : ISchedulingStrategy, IRuntimeObserver
{
    private IReadOnlyList<long> _prefix = [];

    protected SimRandom Random { get; } = new(0);

    /// <summary>The runtime of the current run (attached by <see cref="MachineRuntime.Start"/>), or null outside a machine.</summary>
    protected MachineRuntime? Runtime { get; private set; }

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

    /// <summary>Deliveries of the calibration run (PCT's k over steps); 64 until calibrated.</summary>
    protected int CalibratedSteps { get; private set; } = 64;

    /// <summary>Choice points of the calibration run (delay-bounding's k); 64 until calibrated.</summary>
    protected int CalibratedChoices { get; private set; } = 64;

    /// <summary>
    /// Tells the strategy how long a run of the scenario is: the deliveries and choice points of the
    /// calibration run (<see cref="Strategies.Calibrate"/>), a function of the scenario alone.
    /// </summary>
    public virtual void Calibrate(long steps, int choicePoints)
    {
        CalibratedSteps = (int)Math.Clamp(steps, 1, int.MaxValue);
        CalibratedChoices = Math.Max(1, choicePoints);
    }

    /// <summary>The strategy of the calibration run (null: this strategy needs none).</summary>
    public virtual ISchedulingStrategy? CalibrationStrategy => null;

    public void Attach(MachineRuntime runtime) => Runtime = runtime;

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

    public long NextTime(ActorId to, long min, long max)
    {
        var step = Step++;
        return FromPrefix(step, min, max, out var d) ? d : ChooseTime(step, to, min, max);
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

    /// <summary>Called at the start of each run, after the base has reseeded <see cref="Random"/>.</summary>
    protected virtual void OnStart(ulong seed) { }

    protected abstract int ChooseDelivery(int step, ReadOnlySpan<Pending> candidates);

    protected virtual long ChooseInRange(int step, long min, long max) => Random.Between(min, max);

    protected virtual long ChooseLatency(int step, ActorId to, long min, long max) => ChooseInRange(step, min, max);

    /// <summary>A trigger or fault time for an event landing on <paramref name="to"/>; by default <see cref="ChooseInRange"/>.</summary>
    protected virtual long ChooseTime(int step, ActorId to, long min, long max) => ChooseInRange(step, min, max);

    /// <summary>
    /// A value of [min, max] biased toward its boundaries: min or max a quarter of the time each,
    /// otherwise uniform. Races live at the ends of timing ranges (the shortest IPI against the
    /// longest wake), which a uniform draw rarely reaches together.
    /// </summary>
    protected long Boundary(long min, long max) => Random.Below(4) switch
    {
        0 => min,
        1 => max,
        _ => Random.Between(min, max),
    };

    /// <summary>
    /// A latency for a message to <paramref name="to"/>: a third of the time, when a message to the
    /// same receiver is already due inside this one's window (one this strategy timed), the latency
    /// that lands it just before, at or just after that one — the instants where the two deliveries
    /// race; otherwise <see cref="Boundary"/>. Records the due time chosen in <paramref name="races"/>.
    /// </summary>
    protected long RacingOrBoundary(RaceInstants races, ActorId to, long min, long max)
    {
        var now = Runtime?.Now ?? 0;
        var d = races.Latest(to) is { } due && due >= now + min && due <= now + max && Random.Below(3) == 0
            ? Math.Clamp(due - now + (long)Random.Below(3) - 1, min, max)
            : Boundary(min, max);
        races.Record(to, now + d);
        return d;
    }
}

/// <summary>The latest due time a strategy gave a message to each receiver in the current run.</summary>
public sealed class RaceInstants
{
    private long[] _due = new long[16];

    public void Clear() => Array.Fill(_due, -1);

    public long? Latest(ActorId to) => to.Index < _due.Length && _due[to.Index] >= 0 ? _due[to.Index] : null;

    public void Record(ActorId to, long due)
    {
        if (to.Index >= _due.Length)
        {
            var old = _due.Length;
            Array.Resize(ref _due, Math.Max(to.Index + 1, old * 2));
            Array.Fill(_due, -1, old, _due.Length - old);
        }
        _due[to.Index] = due;
    }
}

/// <summary>
/// Random choices of order, latency and fault timing: the order uniform, timing values biased toward
/// the ends of their ranges (<see cref="ExplorationStrategy.Boundary"/>) and, for a latency, toward
/// the instants where the message races another one to the same receiver (<see cref="ExplorationStrategy.RacingOrBoundary"/>).
/// </summary>
public sealed class RandomWalkStrategy : ExplorationStrategy
{
    private readonly RaceInstants _races = new();

    public override string Name => "random";

    protected override void OnStart(ulong seed) => _races.Clear();

    protected override int ChooseDelivery(int step, ReadOnlySpan<Pending> candidates) => (int)Random.Below((ulong)candidates.Length);

    protected override long ChooseInRange(int step, long min, long max) => Boundary(min, max);

    protected override long ChooseLatency(int step, ActorId to, long min, long max) => RacingOrBoundary(_races, to, min, max);
}

/// <summary>
/// Probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010) at
/// depth d, with the actors as the threads of control (as Coyote's PCT/prioritization strategy):
/// each actor gets a random initial priority ≥ d when first seen as a receiver; of the messages due
/// at the same instant the one to the highest-priority receiver runs first (several to that receiver:
/// one at random). d − 1 change points are drawn uniformly over the run's steps (deliveries; k is the
/// calibration run's length, <see cref="ExplorationStrategy.Calibrate"/>): at the i-th, the actor
/// that ran that step drops to priority i. Time is where a timed model delays a thread: a message to
/// an actor that still has its initial priority takes the shortest latency, one to a lowered actor
/// the longest — so a change point postpones everything that actor receives from then on.
/// </summary>
public sealed class PctStrategy(int depth = 3) : ExplorationStrategy
{
    private const long PrioritySpan = 1 << 20;
    private long[] _priority = new long[16];   // 0 = not seen yet in this run
    private long[] _changeSteps = [];          // the i-th: a delivery step; its actor drops to priority i + 1
    private bool[] _applied = [];

    public int Depth => depth;
    public override string Name => "pct";
    public override ISchedulingStrategy? CalibrationStrategy => new RandomStrategy();

    protected override void OnStart(ulong seed)
    {
        Array.Clear(_priority);
        var n = Math.Max(0, depth - 1);
        if (_changeSteps.Length != n)
        {
            _changeSteps = new long[n];
            _applied = new bool[n];
        }
        Array.Clear(_applied);
        for (var i = 0; i < n; i++) _changeSteps[i] = (long)Random.Below((ulong)CalibratedSteps);
    }

    protected override int ChooseDelivery(int step, ReadOnlySpan<Pending> candidates)
    {
        ApplyChangePoints();
        return Highest(candidates);
    }

    protected override long ChooseLatency(int step, ActorId to, long min, long max)
    {
        ApplyChangePoints();
        return Priority(to.Index) >= depth ? min : max;
    }

    /// <summary>Lowers the actor of every change-point step delivered since the last choice.</summary>
    private void ApplyChangePoints()
    {
        if (Runtime is not { } rt) return;
        for (var i = 0; i < _changeSteps.Length; i++)
        {
            if (_applied[i] || _changeSteps[i] >= rt.Steps) continue;
            _applied[i] = true;
            var actor = rt.Trace[(int)_changeSteps[i]].To.Index;
            Priority(actor);
            _priority[actor] = i + 1;
        }
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
}

/// <summary>
/// Randomised delay bounding (Emmi, Qadeer, Rakamarić, POPL 2011): a deterministic scheduler —
/// the earliest-sent due message first, every latency at its minimum — deviated from at most
/// <c>delays</c> times, at choice points drawn uniformly over the calibration run's choice points.
/// A delay postpones the first due message (another one goes first) or gives a message its maximum
/// latency.
/// </summary>
public sealed class DelayBoundingStrategy(int delays = 2) : ExplorationStrategy
{
    private int[] _delayPoints = [];

    public override string Name => "delay-bounding";

    /// <summary>Its own schedule without delays: k is the number of choice points where a delay can go.</summary>
    public override ISchedulingStrategy? CalibrationStrategy => delays == 0 ? null : new DelayBoundingStrategy(0);

    protected override void OnStart(ulong seed)
    {
        if (_delayPoints.Length != delays) _delayPoints = new int[delays];
        for (var i = 0; i < delays; i++) _delayPoints[i] = (int)Random.Below((ulong)CalibratedChoices);
    }

    protected override int ChooseDelivery(int step, ReadOnlySpan<Pending> candidates) =>
        IsDelay(step) ? 1 + (int)Random.Below((ulong)candidates.Length - 1) : 0;

    protected override long ChooseLatency(int step, ActorId to, long min, long max) => IsDelay(step) ? max : min;

    private bool IsDelay(int step) => Array.IndexOf(_delayPoints, step) >= 0;
}

/// <summary>
/// Runs each run under one of its members (the default strategy of `explore`): the run with seed s
/// under member s mod n. Run i of a campaign has seed base + i, so consecutive runs rotate through
/// the members, and which member makes a run's choices depends on that run's seed alone — not on
/// how many runs this instance made before (so runs may be split over workers).
/// </summary>
public sealed class PortfolioStrategy(IReadOnlyList<ExplorationStrategy> members) : ISchedulingStrategy, IRuntimeObserver
{
    private ulong _seed;

    public string Name => "portfolio";
    public IReadOnlyList<ExplorationStrategy> Members => members;
    public ExplorationStrategy Current => members[(int)(_seed % (ulong)members.Count)];

    public void Attach(MachineRuntime runtime)
    {
        foreach (var m in members) m.Attach(runtime);
    }

    public void Start(ulong seed)
    {
        _seed = seed;
        Current.Start(seed);
    }

    public int NextDelivery(ReadOnlySpan<Pending> candidates) => Current.NextDelivery(candidates);
    public long NextInRange(long min, long max) => Current.NextInRange(min, max);
    public long NextLatency(ActorId from, ActorId to, long min, long max) => Current.NextLatency(from, to, min, max);
    public long NextTime(ActorId to, long min, long max) => Current.NextTime(to, min, max);
}
