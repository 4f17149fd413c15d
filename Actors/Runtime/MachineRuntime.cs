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
    // The cell behind each local device's ref on the deterministic dispatcher: a delivery dispatches
    // to it as LocalActorRef.Tell would, without reading the ref object (one cache line a delivery at
    // 4096 CPUs; see Deliver). Null for any other kind of ref (a remote or custom one, a TestProbe):
    // that one is Told.
    private ActorCell?[] _cells = new ActorCell?[16];
    private Akka.DeterministicDispatcher? _dispatcher;   // the one the cells run on
    // Per device, the objects a delivery to it reads: the next delivery's are prefetched (DeliveryPrefetch).
    private readonly DeliveryPrefetch _prefetch = new();
    private readonly Dictionary<IActorRef, ActorId> _byRef = [];
    private readonly List<IActorRef> _resetByRuntime = [];
    private readonly EventQueue _queue = new();
    private readonly TraceBuffer _trace = new();
    private readonly List<long> _decisions = [];
    private readonly Queue<(ActorId Device, Exception Cause)> _faults = new();
    // A pending delivery's message, sender, receiver, send sequence and due time wait in a slot; the
    // queue and the tie buffer move only numbers. A cancelled one stays in its slot, marked, until it
    // comes up. One slot is one 40-byte struct (an array of structs, not one array per field), so a
    // send and its delivery touch one or two cache lines of the slot table, not six.
    private SlotEntry[] _slots = new SlotEntry[256];
    private int[] _freeSlots = new int[256];
    private int _freeCount, _slotHigh;

    private struct SlotEntry
    {
        public Message? Message;
        public long Seq;
        public long Due;
        public ActorId From;
        public ActorId To;
        public bool Cancelled;
    }

    // The deliveries due at _tieDue, in send order, while the strategy is working through them: the
    // live ones are _ties[_tieHead .. _tieHead + _tieCount).
    private Pending[] _ties = new Pending[8];
    private int _tieHead, _tieCount;
    // Stryker disable once Unary : read only while _tieCount > 0, and a group sets it when it forms
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
        if (id.Index == _refs.Length)
        {
            Array.Resize(ref _refs, _refs.Length * 2);
            Array.Resize(ref _cells, _refs.Length);
        }
        _refs[id.Index] = device;
        _cells[id.Index] = DirectCell(device);
        if (_cells[id.Index] is { } cell) _prefetch.SetCell(id.Index, cell);
        _names.Add(name);
        _byRef[device] = id;
        return id;
    }

    /// <summary>
    /// The cell <see cref="Deliver"/> dispatches to directly: a local device's on the devices' one
    /// dispatcher (the deterministic one), unless the system serializes every message; else null (Told).
    /// </summary>
    private ActorCell? DirectCell(IActorRef device)
    {
        if (device is not LocalActorRef { Cell: var cell } || cell.Dispatcher is not Akka.DeterministicDispatcher d
            || cell.System.Settings.SerializeAllMessages) return null;
        // A cell on another DeterministicDispatcher (another ActorSystem's) is Told: its SendMessage
        // dispatches it through its own dispatcher. Dispatching it through this one instead runs the
        // same code (MessageDispatcher.Dispatch; the dispatcher holds no state and runs the mailbox on
        // the caller's thread), as does Telling any cell, so which cell takes which path is speed only.
        // Stryker disable once Assignment : see above: the path a cell takes does not change its delivery
        _dispatcher ??= d;
        // Stryker disable once Conditional : see above: the path a cell takes does not change its delivery
        return ReferenceEquals(d, _dispatcher) ? cell : null;
    }

    /// <summary>The device's actor instance (a built-in device, now created), whose lines a delivery to it reads: prefetched with its cell's (<see cref="DeliveryPrefetch"/>).</summary>
    internal void SetInstance(ActorId id, object actor)
    {
        if (_cells[id.Index] is { } cell) _prefetch.SetCell(id.Index, cell);   // again: the actor's behaviour is set now
        _prefetch.SetActor(id.Index, actor);
    }

    /// <summary>What a delivery to each device reads, for the processor to fetch ahead; devices add their own objects (a CPU's APIC and frames).</summary>
    internal DeliveryPrefetch Prefetcher => _prefetch;

    public string NameOf(ActorId id) => _names[id.Index];

    public IActorRef RefOf(ActorId id) => _refs[id.Index];

    /// <summary>The address of <paramref name="device"/>, or <see cref="ActorId.None"/>.</summary>
    public ActorId IdOf(IActorRef device) => _byRef.TryGetValue(device, out var id) ? id : ActorId.None;

    /// <summary>Resets the clock and the pending set, then Tells the devices <see cref="ResetDevice"/> in registration order.</summary>
    public void Start(ISchedulingStrategy strategy, ulong seed)
    {
        _strategy = strategy;
        (strategy as IRuntimeObserver)?.Attach(this);
        _strategy.Start(seed);
        _queue.Clear();
        _trace.Restart();
        _decisions.Clear();
        _faults.Clear();
        // The slots are not cleared: Store writes every field of a slot before it is used, and a slot
        // at or above _slotHigh is never read (at 4096 CPUs the clear was a 160 KB sweep a run).
        _slotHigh = _freeCount = 0;
        _tieHead = _tieCount = 0;
        // Stryker disable once Unary : read only while _tieCount > 0, and a group sets it when it forms
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
        var due = Now + delayNs;
        var seq = ++_seq;
        var slot = Store(message, from, to, seq, due);
        Observer?.Sent(seq, from.Index, to.Index, Now);
        // One due at the instant the strategy is working through joins it, last in send order.
        if (_tieCount > 0 && due == _tieDue) AddTie(new Pending { Due = due, Seq = seq, From = from, To = to, Slot = slot });
        else _queue.Push(due, seq, slot);
        return seq << EventQueue.SlotBits | (uint)slot;
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

    /// <summary>A timing or fault choice in [min, max], made and recorded by the strategy (<paramref name="about"/>: the actor the event lands on, if one).</summary>
    public long Choose(long min, long max, ActorId? about = null)
    {
        if (min >= max) return min;
        long d;
        try
        {
            d = about is { } to ? _strategy.NextTime(to, min, max) : _strategy.NextInRange(min, max);
        }
        catch (Exception e)
        {
            throw Abort(e);
        }
        _decisions.Add(d);
        return d;
    }

    /// <summary>The message a pending delivery carries (for strategies that compare candidates, e.g. partial-order reduction).</summary>
    public Message MessageOf(in Pending p) => _slots[p.Slot].Message!;

    /// <summary>Withdraws a pending message (a timer whose wait ended another way). It is never delivered or traced.</summary>
    public void Cancel(long handle)
    {
        if (handle <= 0) /* Stryker disable once Statement : without it a handle <= 0 names seq <= 0, which no message has (seqs start at 1), or a slot past _slotHigh */ return;
        var slot = (int)(handle & (EventQueue.MaxSlots - 1));
        var seq = handle >> EventQueue.SlotBits;
        // A handle whose message was delivered (its slot free or reused) withdraws nothing.
        if (slot >= _slotHigh) return;
        ref var s = ref _slots[slot];
        if (s.Message is null || s.Seq != seq || s.Cancelled) return;
        if (_tieCount > 0 && s.Due == _tieDue && RemoveTie(seq)) /* Stryker disable once Statement : without it the slot is not reused until the next Start: memory, not behaviour (short of 2^24 such cancels in one run) */ Take(slot);  // one the strategy would be offered next: gone at once
        else s.Cancelled = true;                          // one in the queue: dropped when it comes up
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
                PutBack(next);
                Now = timeLimitNs;
                return RunEnd.TimeLimit;
            }
            if (Steps >= stepLimit)
            {
                PutBack(next);
                return RunEnd.StepLimit;
            }
            Now = next.Due;
            Steps++;
            var message = Take(next.Slot);
            _trace.Add(new TraceEntry(Now, next.From, next.To, message));
            Observer?.Delivering(next.Seq, Now);
            if (DeliveryPrefetch.On) _prefetch.Delivering(next.To.Index, _queue.Count > 0 ? _slots[_queue.Peek().Slot].To.Index : -1);
            Deliver(next.To.Index, message, _refs[next.From.Index]);
        }
    }

    /// <summary>
    /// Tells device <paramref name="to"/> the message. A local device: its cell's dispatcher enqueues
    /// the envelope in the cell's mailbox and runs it, which is what <c>ActorCell.SendMessage</c> (and so
    /// the ref's Tell) does, without the steps that read more of the cell: the virtual call on the cell
    /// object, the ActorSystem looked up for a dead-letters sender (a device always sends as itself,
    /// never NoSender) and the serialize-all-messages check (a debugging setting, read once at
    /// <see cref="Register"/>: with it on, devices are Told). At 4096 CPUs each of those was a cache
    /// line of a cell that had long left the cache (Actors/README.md, "scale3").
    /// </summary>
    private void Deliver(int to, Message message, IActorRef sender)
    {
        if (_cells[to] is not { } cell)
        {
            _refs[to].Tell(message, sender);
            return;
        }
        if (cell.Mailbox is null) return;   // a stopped device: as SendMessage, nothing
        try
        {
            _dispatcher!.Dispatch(cell, new Envelope(message, sender));
        }
        catch (Exception e)
        {
            // As ActorCell.SendMessage does with a failure to enqueue: logged, not thrown at the sender.
            cell.System.EventStream.Publish(new global::Akka.Event.Error(e, cell.Self.Path.ToString(), cell.Props.Type, "Swallowing exception during message send"));
        }
    }

    /// <summary>
    /// The next delivery. When several are due at the same instant the strategy picks among all of
    /// them, in send order; the others stay in the tie buffer (not pushed back into the heap), and
    /// messages sent meanwhile for that same instant join its end. Taking the first of them costs
    /// O(1), any other at most half the group: delay-bounding's usual pick (the first) keeps a
    /// fan-out of n ties linear in n.
    /// </summary>
    private bool TryNext(out Pending next)
    {
        if (_tieCount == 0)
        {
            if (!TryPopLive(out var e))
            {
                next = default;
                return false;
            }
            next = ToPending(e);
            // Stryker disable once Logical : && sends a lone delivery through the tie buffer as a group of one: taken at once, no question asked, the same delivery
            if (_queue.Count == 0 || _queue.Peek().Due != e.Due) return true;
            _tieDue = e.Due;
            _tieHead = 0;
            AddTie(next);
            while (_queue.Count > 0 && _queue.Peek().Due == _tieDue)
            {
                var p = _queue.Pop();
                if (IsCancelled(p)) continue;
                AddTie(ToPending(p));
            }
        }
        var pick = 0;
        if (_tieCount > 1)
        {
            pick = _strategy.NextDelivery(_ties.AsSpan(_tieHead, _tieCount));
            _decisions.Add(pick);
        }
        next = _ties[_tieHead + pick];
        RemoveTieAt(pick);
        return true;
    }

    /// <summary>
    /// Returns the delivery <see cref="TryNext"/> took, and what is left of its tie group, to the queue
    /// when a limit ends the run before it is delivered: a later <see cref="Run"/> (a resume with a
    /// higher limit) finds them there together with whatever the caller posts meanwhile, which may be
    /// due earlier than the group (the stopped run may have gathered a group past the clock); the group
    /// is gathered again, in send order, when its instant comes.
    /// </summary>
    private void PutBack(in Pending p)
    {
        _queue.Push(p.Due, p.Seq, p.Slot);
        for (var i = 0; i < _tieCount; i++)
        {
            ref readonly var t = ref _ties[_tieHead + i];
            _queue.Push(t.Due, t.Seq, t.Slot);
        }
        _tieHead = _tieCount = 0;
    }

    private Pending ToPending(in EventQueue.Entry e)
    {
        var slot = e.Slot;
        ref readonly var s = ref _slots[slot];
        return new Pending { Due = e.Due, Seq = e.Seq, From = s.From, To = s.To, Slot = slot };
    }

    private bool TryPopLive(out EventQueue.Entry e)
    {
        while (_queue.Count > 0)
        {
            e = _queue.Pop();
            if (IsCancelled(e)) continue;
            return true;
        }
        e = default;
        return false;
    }

    private bool IsCancelled(in EventQueue.Entry e)
    {
        var slot = e.Slot;
        if (!_slots[slot].Cancelled) return false;
        // Stryker disable once Statement : without it the slot is not reused until the next Start: memory, not behaviour (short of 2^24 cancelled messages in one run)
        Take(slot);
        return true;
    }

    private void AddTie(in Pending p)
    {
        var end = _tieHead + _tieCount;
        if (end == _ties.Length)
        {
            if (_tieHead > 0) Array.Copy(_ties, _tieHead, _ties, 0, _tieCount);  // slide the live ones down
            else Array.Resize(ref _ties, _ties.Length * 2);
            _tieHead = 0;
            end = _tieCount;
        }
        _ties[end] = p;
        _tieCount++;
    }

    /// <summary>Removes the <paramref name="i"/>-th live tie, keeping the others in send order; shifts the shorter side.</summary>
    private void RemoveTieAt(int i)
    {
        if (/* Stryker disable once all : either side's shift removes the i-th and keeps the rest in order; the choice is speed only */ i < _tieCount / 2)
        {
            Array.Copy(_ties, _tieHead, _ties, _tieHead + 1, i);
            _tieHead++;
        }
        else Array.Copy(_ties, _tieHead + i + 1, _ties, _tieHead + i, _tieCount - i - 1);
        _tieCount--;
        if (_tieCount == 0) _tieHead = 0;
    }

    private bool RemoveTie(long seq)
    {
        for (var i = 0; i < _tieCount; i++)
            if (_ties[_tieHead + i].Seq == seq)
            {
                RemoveTieAt(i);
                // Stryker disable once Boolean : false leaves the slot unused until the next Start (Cancel marks it instead of freeing it): memory, not behaviour
                return true;
            }
        // Stryker disable once Boolean : not reached: while a group is worked through, every live message due at its instant is in the tie buffer
        return false;
    }

    private int Store(Message message, ActorId from, ActorId to, long seq, long due)
    {
        int slot;
        if (_freeCount > 0) slot = _freeSlots[--_freeCount];
        else
        {
            if (_slotHigh == _slots.Length)
            {
                if (_slotHigh == EventQueue.MaxSlots) throw new InvalidOperationException($"more than {EventQueue.MaxSlots} messages pending at once");
                var n = _slots.Length * 2;
                Array.Resize(ref _slots, n);
                Array.Resize(ref _freeSlots, n);
            }
            slot = _slotHigh++;
        }
        _slots[slot] = new SlotEntry { Message = message, Seq = seq, Due = due, From = from, To = to };
        return slot;
    }

    private Message Take(int slot)
    {
        ref var s = ref _slots[slot];
        var m = s.Message!;
        s.Message = null;
        s.Cancelled = false;
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
