namespace ActorCrash.Actors.Runtime;

/// <summary>How a run's delivery loop ended.</summary>
public enum RunEnd
{
    /// <summary>An actor stopped the machine (a reset, the crash kernel saved the vmcore).</summary>
    Stopped,
    /// <summary>Nothing is pending: every CPU waits for something that will never come.</summary>
    Quiescent,
    /// <summary>The next message is due past the virtual-time limit.</summary>
    TimeLimit,
    /// <summary>The step limit was reached.</summary>
    StepLimit,
}

/// <summary>
/// The emulated machine's runtime: one virtual clock, one queue of pending messages, and a strategy
/// that makes every choice. It delivers one message at a time, on the caller's thread, so a run is a
/// pure function of (scenario, strategy, seed) whatever the thread count or host.
/// </summary>
public sealed class MachineRuntime
{
    private readonly List<EmulatedActor> _actors = [];
    private readonly EventQueue _queue = new();
    private readonly HashSet<long> _cancelled = [];
    private readonly List<TraceEntry> _trace = [];
    private readonly List<long> _decisions = [];
    private Pending[] _ties = new Pending[8];
    private ISchedulingStrategy _strategy = new RandomStrategy();
    private long _seq;
    private bool _stopped;

    public long Now { get; private set; }
    public long Steps { get; private set; }
    public IReadOnlyList<EmulatedActor> Actors => _actors;
    public IReadOnlyList<TraceEntry> Trace => _trace;
    public IReadOnlyList<long> Decisions => _decisions;
    public string StrategyName => _strategy.Name;

    public ActorId Register(EmulatedActor actor)
    {
        actor.Self = new ActorId(_actors.Count);
        actor.Runtime = this;
        _actors.Add(actor);
        return actor.Self;
    }

    /// <summary>Resets the clock, the queue and every actor for a new run.</summary>
    public void Start(ISchedulingStrategy strategy, ulong seed)
    {
        _strategy = strategy;
        _strategy.Start(seed);
        _queue.Clear();
        _cancelled.Clear();
        _trace.Clear();
        _decisions.Clear();
        _seq = 0;
        _stopped = false;
        Now = 0;
        Steps = 0;
        foreach (var actor in _actors) actor.Reset();
    }

    /// <summary>Sends a message delivered exactly <paramref name="delayNs"/> from now. Returns its handle for <see cref="Cancel"/>.</summary>
    public long Send(ActorId from, ActorId to, Message message, long delayNs = 0)
    {
        var p = new Pending { Due = Now + delayNs, Seq = ++_seq, From = from, To = to, Message = message };
        _queue.Push(p);
        return p.Seq;
    }

    /// <summary>Sends a message whose latency the strategy picks in [min, max].</summary>
    public long Send(ActorId from, ActorId to, Message message, long minLatencyNs, long maxLatencyNs)
    {
        if (minLatencyNs >= maxLatencyNs) return Send(from, to, message, minLatencyNs);
        var d = _strategy.NextLatency(from, to, minLatencyNs, maxLatencyNs);
        _decisions.Add(d);
        return Send(from, to, message, d);
    }

    /// <summary>A timing or fault choice in [min, max], made and recorded by the strategy.</summary>
    public long Choose(long min, long max)
    {
        if (min >= max) return min;
        var d = _strategy.NextInRange(min, max);
        _decisions.Add(d);
        return d;
    }

    /// <summary>Withdraws a pending message (a timer whose wait ended another way). It is never delivered or traced.</summary>
    public void Cancel(long handle)
    {
        if (handle > 0) _cancelled.Add(handle);
    }

    /// <summary>The machine stopped: the current delivery finishes and the run ends.</summary>
    public void Stop() => _stopped = true;

    public RunEnd Run(long timeLimitNs, long stepLimit)
    {
        while (true)
        {
            if (_stopped) return RunEnd.Stopped;
            if (!TryNext(out var next)) return RunEnd.Quiescent;
            if (next.Due > timeLimitNs)
            {
                _queue.Push(next);
                Now = timeLimitNs;
                return RunEnd.TimeLimit;
            }
            if (Steps >= stepLimit)
            {
                _queue.Push(next);
                return RunEnd.StepLimit;
            }
            Now = next.Due;
            Steps++;
            _trace.Add(new TraceEntry(Now, next.From, next.To, next.Message));
            _actors[next.To.Index].Receive(next.From, next.Message);
        }
    }

    /// <summary>Pops the next message; when several are due at the same instant, the strategy picks.</summary>
    private bool TryNext(out Pending next)
    {
        if (!TryPopLive(out next)) return false;
        if (_queue.Count == 0 || _queue.Peek().Due != next.Due) return true;

        var count = 0;
        Add(ref count, next);
        while (_queue.Count > 0 && _queue.Peek().Due == next.Due)
        {
            var p = _queue.Pop();
            if (_cancelled.Count > 0 && _cancelled.Remove(p.Seq)) continue;
            Add(ref count, p);
        }
        var pick = 0;
        if (count > 1)
        {
            pick = _strategy.NextDelivery(_ties.AsSpan(0, count));
            _decisions.Add(pick);
        }
        next = _ties[pick];
        for (var i = 0; i < count; i++)
            if (i != pick) _queue.Push(_ties[i]);
        Array.Clear(_ties, 0, count);
        return true;
    }

    private bool TryPopLive(out Pending p)
    {
        while (_queue.Count > 0)
        {
            p = _queue.Pop();
            if (_cancelled.Count > 0 && _cancelled.Remove(p.Seq)) continue;
            return true;
        }
        p = default;
        return false;
    }

    private void Add(ref int count, in Pending p)
    {
        if (count == _ties.Length) Array.Resize(ref _ties, count * 2);
        _ties[count++] = p;
    }
}
