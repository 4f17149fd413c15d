using System.Runtime.ExceptionServices;
using Akka.Actor;

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
/// The emulated machine's runtime: one virtual clock, the set of pending deliveries, and a strategy
/// that makes every choice. The device actors are Akka actors on the deterministic dispatcher
/// (<see cref="Akka.DeterministicDispatcher"/>); they never Tell each other but post here
/// (<see cref="Send(ActorId, ActorId, Message, long)"/>). The runtime picks the next delivery and
/// Tells it to its target's IActorRef with the sending device as <c>Sender</c>; the target's mailbox
/// processes it on the caller's thread before Tell returns. So a run is a pure function of
/// (scenario, strategy, seed) whatever the thread count or host.
/// </summary>
public sealed class MachineRuntime
{
    private readonly List<string> _names = [];
    private IActorRef[] _refs = new IActorRef[16];
    private readonly Dictionary<IActorRef, ActorId> _byRef = [];
    private readonly List<IActorRef> _resetByRuntime = [];
    private readonly EventQueue _queue = new();
    private readonly HashSet<long> _cancelled = [];
    private readonly List<TraceEntry> _trace = [];
    private readonly List<long> _decisions = [];
    private readonly Queue<(ActorId Device, Exception Cause)> _faults = new();
    private Message?[] _slots = new Message?[256];
    private int[] _freeSlots = new int[256];
    private int _freeCount, _slotHigh;
    // The deliveries due at _tieDue, in send order, while the strategy is working through them.
    private Pending[] _ties = new Pending[8];
    private int _tieCount;
    private long _tieDue = -1;
    private ISchedulingStrategy _strategy = new RandomStrategy();
    private ExceptionDispatchInfo? _abort;
    private long _seq;
    private bool _stopped;

    public long Now { get; private set; }
    public long Steps { get; private set; }
    public int DeviceCount => _names.Count;
    public IReadOnlyList<TraceEntry> Trace => _trace;
    public IReadOnlyList<long> Decisions => _decisions;
    public string StrategyName => _strategy.Name;

    /// <summary>
    /// Called when a device actor's supervisor reports that the device threw (after the faulting
    /// delivery returns, before the next one): the machine decides what the fault means.
    /// </summary>
    public Action<ActorId, Exception>? OnFault { get; set; }

    /// <summary>A passive observer of the runs (trace export, coverage); null (the default) costs a null check per hook.</summary>
    public Tracing.IRunObserver? Observer { get; set; }

    /// <summary>
    /// Adds a device; its index is its address in the pending set. Unless <paramref name="resetAtStart"/>
    /// is false (the CPUs: their <c>PowerOn</c> resets them), <see cref="Start"/> Tells it <see cref="ResetDevice"/>.
    /// </summary>
    public ActorId Register(string name, IActorRef device, bool resetAtStart = true)
    {
        if (resetAtStart) _resetByRuntime.Add(device);
        var id = new ActorId(_names.Count);
        if (id.Index == _refs.Length) Array.Resize(ref _refs, _refs.Length * 2);
        _refs[id.Index] = device;
        _names.Add(name);
        _byRef[device] = id;
        return id;
    }

    public string NameOf(ActorId id) => _names[id.Index];

    public IActorRef RefOf(ActorId id) => _refs[id.Index];

    /// <summary>The address of <paramref name="device"/>, or <see cref="ActorId.None"/>.</summary>
    public ActorId IdOf(IActorRef device) => _byRef.TryGetValue(device, out var id) ? id : ActorId.None;

    /// <summary>Resets the clock and the pending set, then Tells the devices <see cref="ResetDevice"/> in registration order.</summary>
    public void Start(ISchedulingStrategy strategy, ulong seed)
    {
        _strategy = strategy;
        _strategy.Start(seed);
        _queue.Clear();
        _cancelled.Clear();
        _trace.Clear();
        _decisions.Clear();
        _faults.Clear();
        Array.Clear(_slots, 0, _slotHigh);
        _slotHigh = _freeCount = 0;
        _tieCount = 0;
        _tieDue = -1;
        _abort = null;
        _seq = 0;
        _stopped = false;
        Now = 0;
        Steps = 0;
        Observer?.Started();
        foreach (var device in _resetByRuntime) device.Tell(ResetDevice.Instance, ActorRefs.NoSender);
    }

    /// <summary>Posts a message delivered exactly <paramref name="delayNs"/> from now. Returns its handle for <see cref="Cancel"/>.</summary>
    public long Send(ActorId from, ActorId to, Message message, long delayNs = 0)
    {
        var p = new Pending { Due = Now + delayNs, Seq = ++_seq, From = from, To = to, Slot = Store(message) };
        Observer?.Sent(p.Seq, from.Index, to.Index, Now);
        if (_tieCount > 0 && p.Due == _tieDue) AddTie(p);  // joins the instant the strategy is working through, last in send order
        else _queue.Push(p);
        return p.Seq;
    }

    /// <summary>Posts a message whose latency the strategy picks in [min, max].</summary>
    public long Send(ActorId from, ActorId to, Message message, long minLatencyNs, long maxLatencyNs)
    {
        if (minLatencyNs >= maxLatencyNs) return Send(from, to, message, minLatencyNs);
        long d;
        try
        {
            d = _strategy.NextLatency(from, to, minLatencyNs, maxLatencyNs);
        }
        catch (Exception e)
        {
            throw Abort(e);
        }
        _decisions.Add(d);
        return Send(from, to, message, d);
    }

    /// <summary>A timing or fault choice in [min, max], made and recorded by the strategy.</summary>
    public long Choose(long min, long max)
    {
        if (min >= max) return min;
        long d;
        try
        {
            d = _strategy.NextInRange(min, max);
        }
        catch (Exception e)
        {
            throw Abort(e);
        }
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

    /// <summary>A device's supervisor reports that it threw while handling a message.</summary>
    internal void Faulted(IActorRef device, Exception cause)
    {
        if (_abort is null) _faults.Enqueue((IdOf(device), cause));
    }

    public RunEnd Run(long timeLimitNs, long stepLimit)
    {
        while (true)
        {
            _abort?.Throw();
            while (_faults.Count > 0)
            {
                var (device, cause) = _faults.Dequeue();
                OnFault?.Invoke(device, cause);
            }
            if (_stopped) return RunEnd.Stopped;
            if (!TryNext(out var next)) return RunEnd.Quiescent;
            if (next.Due > timeLimitNs)
            {
                Now = timeLimitNs;
                return RunEnd.TimeLimit;
            }
            if (Steps >= stepLimit) return RunEnd.StepLimit;
            Now = next.Due;
            Steps++;
            var message = Take(next.Slot);
            _trace.Add(new TraceEntry(Now, next.From, next.To, message));
            Observer?.Delivering(next.Seq, Now);
            _refs[next.To.Index].Tell(message, _refs[next.From.Index]);
        }
    }

    /// <summary>
    /// The next delivery. When several are due at the same instant the strategy picks among all of
    /// them, in send order; the others stay in the tie buffer (not pushed back into the heap), and
    /// messages sent meanwhile for that same instant join its end.
    /// </summary>
    private bool TryNext(out Pending next)
    {
        if (_tieCount > 0 && _cancelled.Count > 0) DropCancelledTies();
        if (_tieCount == 0)
        {
            if (!TryPopLive(out next)) return false;
            if (_queue.Count == 0 || _queue.Peek().Due != next.Due) return true;
            _tieDue = next.Due;
            AddTie(next);
            while (_queue.Count > 0 && _queue.Peek().Due == _tieDue)
            {
                var p = _queue.Pop();
                if (IsCancelled(p)) continue;
                AddTie(p);
            }
        }
        var pick = 0;
        if (_tieCount > 1)
        {
            pick = _strategy.NextDelivery(_ties.AsSpan(0, _tieCount));
            _decisions.Add(pick);
        }
        next = _ties[pick];
        Array.Copy(_ties, pick + 1, _ties, pick, _tieCount - pick - 1);
        _tieCount--;
        return true;
    }

    private bool TryPopLive(out Pending p)
    {
        while (_queue.Count > 0)
        {
            p = _queue.Pop();
            if (IsCancelled(p)) continue;
            return true;
        }
        p = default;
        return false;
    }

    private bool IsCancelled(in Pending p)
    {
        if (_cancelled.Count == 0 || !_cancelled.Remove(p.Seq)) return false;
        Take(p.Slot);
        return true;
    }

    private void DropCancelledTies()
    {
        var kept = 0;
        for (var i = 0; i < _tieCount; i++)
            if (!IsCancelled(_ties[i])) _ties[kept++] = _ties[i];
        _tieCount = kept;
    }

    private void AddTie(in Pending p)
    {
        if (_tieCount == _ties.Length) Array.Resize(ref _ties, _tieCount * 2);
        _ties[_tieCount++] = p;
    }

    private int Store(Message message)
    {
        int slot;
        if (_freeCount > 0) slot = _freeSlots[--_freeCount];
        else
        {
            if (_slotHigh == _slots.Length)
            {
                Array.Resize(ref _slots, _slots.Length * 2);
                Array.Resize(ref _freeSlots, _slots.Length);
            }
            slot = _slotHigh++;
        }
        _slots[slot] = message;
        return slot;
    }

    private Message Take(int slot)
    {
        var m = _slots[slot]!;
        _slots[slot] = null;
        _freeSlots[_freeCount++] = slot;
        return m;
    }

    // A strategy that cannot answer (a replay that diverged) ends the run for the caller, not the device.
    private Exception Abort(Exception e)
    {
        _abort ??= ExceptionDispatchInfo.Capture(e);
        return e;
    }
}
